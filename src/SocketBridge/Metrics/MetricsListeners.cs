using SocketBridge.Endpoints;

namespace SocketBridge.Metrics;

/// <summary>The sockets the <see cref="MetricsServer"/> listens on, for a re-exec to carry over (empty while there are none).</summary>
internal sealed class MetricsListeners
{
    /// <summary>
    /// What a carried socket is marked with, so the next image's metrics endpoint takes it back, whatever port it had.
    /// No ':' in it: the marks travel ':'-separated in SOCKETBRIDGE_LISTEN_FDBRIDGES; and upper case, so no bridge name is it.
    /// </summary>
    public const string Owner = "SocketBridge.Metrics";

    private volatile IReadOnlyList<BoundListener> _listeners = [];

    public IReadOnlyList<BoundListener> Listeners => _listeners;

    public void Set(IReadOnlyList<BoundListener> listeners) => _listeners = listeners;
}
