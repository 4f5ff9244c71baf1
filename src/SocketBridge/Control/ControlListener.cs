using System.Net.Sockets;

namespace SocketBridge.Control;

/// <summary>The control socket the <see cref="ControlServer"/> listens on, for a re-exec to carry over (null while there is none).</summary>
internal sealed class ControlListener
{
    private volatile Socket? _socket;

    public Socket? Socket => _socket;

    public void Set(Socket? socket) => _socket = socket;
}
