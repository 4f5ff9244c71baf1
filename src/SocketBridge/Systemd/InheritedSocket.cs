using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Systemd;

/// <summary>One listening socket the service manager passed (sd_listen_fds(3)), with its name.</summary>
public sealed record InheritedSocket(int Fd, string Name, Socket Socket)
{
    /// <summary>What the socket is bound to, as messages show it.</summary>
    public string Display => Socket.LocalEndPoint switch
    {
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"tcp:[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"tcp:{ip.Address}:{ip.Port}",
        UnixDomainSocketEndPoint unix => $"unix:{Endpoints.BoundListener.UnixSocketPath(unix)}",
        _ => $"fd {Fd}",
    };
}
