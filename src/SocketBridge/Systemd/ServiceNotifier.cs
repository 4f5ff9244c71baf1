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

    public void Stopping() => Send("STOPPING=1\nSTATUS=stopping");

    private void Send(string message)
    {
        if (notifier.IsEnabled)
        {
            notifier.Notify(new ServiceState(message));
        }
    }
}
