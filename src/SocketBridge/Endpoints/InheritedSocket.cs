using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>One listening (or datagram) socket the service manager passed (sd_listen_fds(3)), with its name.</summary>
internal sealed record InheritedSocket(int Fd, string Name, Socket Socket)
{
    /// <summary>What the socket is bound to, as messages show it.</summary>
    public string Display => Socket.LocalEndPoint switch
    {
        IPEndPoint ip => BoundListener.InetDisplay(ip, Socket.SocketType),
        UnixDomainSocketEndPoint unix => $"{UnixEndpoint.SchemeOf(Socket.SocketType)}:{BoundListener.UnixSocketPath(unix)}",
        _ => $"fd {Fd}",
    };
}
