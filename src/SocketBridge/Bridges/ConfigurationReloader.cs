using Microsoft.Extensions.Logging;
using Serilog.Core;
using SocketBridge.Configuration;
using SocketBridge.Logging;
using SocketBridge.Systemd;

namespace SocketBridge.Bridges;

/// <summary>
/// SIGHUP and <c>socketbridge reload</c> (SPEC 7): loads the configuration
/// files again and applies them, or, when they are invalid, logs every
/// problem as one error entry and keeps the running configuration. Tells
/// the service manager RELOADING=1 first and READY=1 after, either way.
/// </summary>
public sealed partial class ConfigurationReloader(
    Func<SocketBridgeOptions> load,
    BridgeHost host,
    ServiceNotifier notifier,
    LoggingLevelSwitch level,
    ILogger<ConfigurationReloader> logger)
{
    public async Task<ReloadResult> ReloadAsync(CancellationToken cancellationToken)
    {
        notifier.Reloading();
        SocketBridgeOptions before = host.Options;
        ReloadResult result;
        try
        {
            SocketBridgeOptions next = load();
            result = await host.ApplyAsync(next, cancellationToken).ConfigureAwait(false);
            if (result.Reloaded)
            {
                level.MinimumLevel = LoggingSetup.ToSerilog(next.Daemon.LogLevel);
                if (next.Daemon.ControlSocket != before.Daemon.ControlSocket)
                {
                    LogControlSocketKept(logger, before.Daemon.ControlSocket, next.Daemon.ControlSocket);
                }
            }
        }
        catch (ConfigurationException ex)
        {
            result = ReloadResult.Refused(ex.Errors.Select(e => e.ToString()).ToArray());
        }

        if (!result.Reloaded)
        {
            LogRefused(logger, result.Errors.Count, string.Join("\n", result.Errors));
        }

        notifier.Ready(host.Summary());
        return result;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "reload refused, the running configuration stays in force; {ProblemCount} problem(s):\n{Problems}")]
    private static partial void LogRefused(ILogger logger, int problemCount, string problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reload: ControlSocket changed from {Old} to {New}; it moves at the next restart")]
    private static partial void LogControlSocketKept(ILogger logger, string old, string @new);
}
