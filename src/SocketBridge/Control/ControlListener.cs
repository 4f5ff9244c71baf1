using SocketBridge.Endpoints;

namespace SocketBridge.Control;

/// <summary>The control socket the <see cref="ControlServer"/> listens on, and its file, for a re-exec to carry over (null while there is none).</summary>
internal sealed class ControlListener
{
    private volatile BoundListener? _listener;

    public BoundListener? Listener => _listener;

    public void Set(BoundListener? listener) => _listener = listener;
}
