using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SocketBridge.Logging;

namespace SocketBridge.Hosting;

/// <summary>
/// SIGUSR2 re-executes the daemon (SPEC 7), as <c>socketbridge reexec</c>
/// does; SIGUSR1 has no meaning yet (nor SIGUSR2 for serve). Left at their default they end the process on the spot, with
/// no cleanup: no programs stopped, socket files left behind. A script
/// written for xinetd, which dumps its state on SIGUSR1, would do that by
/// accident. So they are caught, logged each time, and otherwise ignored.
/// </summary>
internal sealed partial class UserSignals : IDisposable
{
    private const int SIGUSR1 = 10;
    private const int SIGUSR2 = 12;

    private readonly PosixSignalRegistration _usr1;
    private readonly PosixSignalRegistration _usr2;

    /// <param name="reexec">What SIGUSR2 starts: a re-exec, as nginx's binary upgrade (null: ignored, as SIGUSR1).</param>
    public UserSignals(ILogger logger, Action? reexec = null)
    {
        // Raw numbers: PosixSignal names only the portable signals, and
        // PosixSignalRegistration takes any other as its number.
        _usr1 = PosixSignalRegistration.Create((PosixSignal)SIGUSR1, context => Ignore(context, "SIGUSR1", logger));
        _usr2 = PosixSignalRegistration.Create((PosixSignal)SIGUSR2, context =>
        {
            if (reexec is null)
            {
                Ignore(context, "SIGUSR2", logger);
                return;
            }

            context.Cancel = true;
            reexec();
        });
    }

    public void Dispose()
    {
        _usr1.Dispose();
        _usr2.Dispose();
    }

    private static void Ignore(PosixSignalContext context, string signal, ILogger logger)
    {
        context.Cancel = true;
        LogIgnored(logger, signal);
    }

    [LoggerMessage(EventId = LogEventIds.SignalIgnored, Level = LogLevel.Warning, Message = "{Signal} received: ignored (it has no meaning for socketbridge; SIGTERM stops it, SIGHUP reloads)")]
    private static partial void LogIgnored(ILogger logger, string signal);
}
