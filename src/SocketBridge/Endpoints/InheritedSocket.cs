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

    /// <summary>Kept in systemd's file-descriptor store by this daemon (<see cref="StoredSocketName"/>), rather than passed by a socket unit.</summary>
    public bool IsStored => StoredSocketName.IsStored(Name);

    /// <summary>A socket of <paramref name="type"/> bound to exactly <paramref name="address"/>.</summary>
    public bool IsBoundTo(IPEndPoint address, SocketType type) =>
        Socket.SocketType == type && Socket.LocalEndPoint is IPEndPoint bound && bound.Port == address.Port && bound.Address.Equals(address.Address);

    /// <summary>A socket of <paramref name="type"/> bound to exactly <paramref name="path"/> ('@' for abstract).</summary>
    public bool IsBoundTo(string path, SocketType type) =>
        Socket.SocketType == type && Socket.LocalEndPoint is UnixDomainSocketEndPoint unix && BoundListener.UnixSocketPath(unix) == path;

    /// <summary>
    /// What a stored socket found by name must still be: bound to
    /// <paramref name="address"/>, on any port where the configuration says
    /// port 0 (the kernel picked it the first time, and it is kept).
    /// </summary>
    public bool Fits(IPEndPoint address, SocketType type) =>
        address.Port == 0
            ? Socket.SocketType == type && Socket.LocalEndPoint is IPEndPoint bound && bound.Address.Equals(address.Address)
            : IsBoundTo(address, type);
}
