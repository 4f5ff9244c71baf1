using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using SocketBridge.Systemd;
using SocketBridge.Logging;

namespace SocketBridge.Hosting;

/// <summary>
/// Keeps the unit's <c>WatchdogSec=</c> satisfied while, and only while, the
/// daemon makes progress (sd_watchdog_enabled(3)): each half of
/// WATCHDOG_USEC it asks its loops to answer (<see cref="ILivenessProbe"/>:
/// the thread pool, .NET's socket event threads, the relay loops) and sends WATCHDOG=1 only when all of
/// them answered the previous question, so systemd restarts a daemon one of
/// whose loops is wedged. The log is not asked: a journal that stops
/// reading loses entries, it does not stop the daemon (SPEC 8).
/// Idle when the variables are absent or name another process.
/// </summary>
internal sealed partial class WatchdogService(
    ISystemdNotifier notifier,
    IEnumerable<ILivenessProbe> probes,
    TimeProvider time,
    ILogger<WatchdogService> logger) : BackgroundService
{
    private readonly ILivenessProbe[] _probes = [.. probes];

    /// <summary>The keep-alive interval, or null when no watchdog is asked for.</summary>
    public static TimeSpan? Interval()
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (usec is null || !long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out long microseconds) || microseconds <= 0)
        {
            return null;
        }

        if (pid is not null && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int owner) || owner != Environment.ProcessId))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(microseconds / 2.0);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval() is not { } interval || !notifier.IsEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        string? withheld = null;
        // Started: the first keep-alive needs no answer.
        string? stuck = null;
        do
        {
            if (stuck is null)
            {
                notifier.Notify(new ServiceState("WATCHDOG=1"));
                if (withheld is not null)
                {
                    LogResumed(logger, withheld);
                    withheld = null;
                }
            }
            else if (withheld is null)
            {
                // Once, until it answers again: the watchdog's own entry must not flood a log that may be stuck too.
                withheld = stuck;
                LogWithheld(logger, stuck, interval);
            }

            foreach (ILivenessProbe probe in _probes)
            {
                probe.Ask();
            }

            if (!await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                break;
            }

            stuck = Unanswered();
        }
        while (!stoppingToken.IsCancellationRequested);
    }

    private string? Unanswered()
    {
        foreach (ILivenessProbe probe in _probes)
        {
            if (probe.Unanswered() is { } name)
            {
                return name;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = LogEventIds.WatchdogWithheld, Level = LogLevel.Error, Message = "watchdog: {Loop} did not answer within {Interval}; WATCHDOG=1 is withheld until it does, so systemd can restart a wedged daemon")]
    private static partial void LogWithheld(ILogger logger, string loop, TimeSpan interval);

    [LoggerMessage(EventId = LogEventIds.WatchdogResumed, Level = LogLevel.Information, Message = "watchdog: {Loop} answers again; WATCHDOG=1 resumed")]
    private static partial void LogResumed(ILogger logger, string loop);
}
