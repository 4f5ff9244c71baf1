using System.Net.Sockets;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using SocketBridge.Logging;

namespace SocketBridge.Hosting;

/// <summary>
/// sd_notify(3) messages to the service manager, through
/// Microsoft.Extensions.Hosting.Systemd's <see cref="SystemdNotifier"/>
/// (a datagram to NOTIFY_SOCKET). Silent when NOTIFY_SOCKET is not set.
/// As sd_notify(3) does, a message that cannot be sent is not a reason to
/// stop: a NOTIFY_SOCKET left over from elsewhere (a daemon started from a
/// unit's script, a stale variable in a container) must not take down a
/// daemon that is serving. The first failure is logged, the next ones only
/// after a message got through again.
/// </summary>
internal sealed partial class ServiceNotifier(ISystemdNotifier notifier, ILogger<ServiceNotifier> logger)
{
    private int _failing;

    public bool IsEnabled => notifier.IsEnabled;

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    public void Status(string status) => Send($"STATUS={status}");

    /// <summary>RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, as Stopwatch reads it on Linux); READY=1 follows.</summary>
    public void Reloading()
    {
        long microseconds = System.Diagnostics.Stopwatch.GetTimestamp() / (System.Diagnostics.Stopwatch.Frequency / 1_000_000);
        Send($"RELOADING=1\nMONOTONIC_USEC={microseconds}\nSTATUS=reloading the configuration");
    }

    /// <summary>Before a re-exec: RELOADING=1 with MONOTONIC_USEC; the new image sends READY=1.</summary>
    public void Reexecuting()
    {
        long microseconds = System.Diagnostics.Stopwatch.GetTimestamp() / (System.Diagnostics.Stopwatch.Frequency / 1_000_000);
        Send($"RELOADING=1\nMONOTONIC_USEC={microseconds}\nSTATUS=re-executing");
    }

    public void Stopping() => Send("STOPPING=1\nSTATUS=stopping");

    private void Send(string message)
    {
        if (!notifier.IsEnabled)
        {
            return;
        }

        try
        {
            notifier.Notify(new ServiceState(message));
            Volatile.Write(ref _failing, 0);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                LogUnreachable(logger, Environment.GetEnvironmentVariable("NOTIFY_SOCKET") ?? string.Empty, ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = LogEventIds.NotifySocketUnreachable, Level = LogLevel.Warning, Message = "cannot notify the service manager at NOTIFY_SOCKET={NotifySocket}: {Error}; serving on without (further failures are not logged until a notification gets through)")]
    private static partial void LogUnreachable(ILogger logger, string notifySocket, string error);
}
