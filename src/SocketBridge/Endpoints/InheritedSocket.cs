using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>One listening (or datagram) socket the service manager passed (sd_listen_fds(3)), or the daemon's previous image handed over, with its name.</summary>
internal sealed record InheritedSocket(int Fd, string Name, Socket Socket)
{
    /// <summary>The bridge that had it in the daemon's previous image (a re-exec); null for one systemd passed.</summary>
    public string? Bridge { get; init; }

    /// <summary>What the socket is bound to, as messages show it.</summary>
    public string Display => Socket.LocalEndPoint switch
    {
        IPEndPoint ip => BoundListener.InetDisplay(ip, Socket.SocketType),
        UnixDomainSocketEndPoint unix => $"{UnixEndpoint.SchemeOf(Socket.SocketType)}:{BoundListener.UnixSocketPath(unix)}",
        _ => $"fd {Fd}",
    };
}
