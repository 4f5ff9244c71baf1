using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace SocketBridge.Systemd;

/// <summary>
/// Keeps the unit's <c>WatchdogSec=</c> satisfied: WATCHDOG=1 at half of
/// WATCHDOG_USEC (sd_watchdog_enabled(3)), while the daemon's own loop runs.
/// Idle when the variables are absent or name another process.
/// </summary>
public sealed class WatchdogService(ISystemdNotifier notifier, TimeProvider time) : BackgroundService
{
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
        do
        {
            notifier.Notify(new ServiceState("WATCHDOG=1"));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
