using Microsoft.Extensions.Hosting.Systemd;

namespace SocketBridge.Systemd;

/// <summary>
/// sd_notify(3) messages to the service manager, through
/// Microsoft.Extensions.Hosting.Systemd's <see cref="SystemdNotifier"/>
/// (a datagram to NOTIFY_SOCKET). Silent when NOTIFY_SOCKET is not set.
/// </summary>
public sealed class ServiceNotifier(ISystemdNotifier notifier)
{
    public bool IsEnabled => notifier.IsEnabled;

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    public void Status(string status) => Send($"STATUS={status}");

    /// <summary>RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, as Stopwatch reads it on Linux); READY=1 follows.</summary>
    public void Reloading()
    {
        long microseconds = System.Diagnostics.Stopwatch.GetTimestamp() / (System.Diagnostics.Stopwatch.Frequency / 1_000_000);
        Send($"RELOADING=1\nMONOTONIC_USEC={microseconds}\nSTATUS=reloading the configuration");
    }

    public void Stopping() => Send("STOPPING=1\nSTATUS=stopping");

    private void Send(string message)
    {
        if (notifier.IsEnabled)
        {
            notifier.Notify(new ServiceState(message));
        }
    }
}
