using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>
/// A socket's family and type: what decides which socket options mean
/// something for it (<see cref="SocketOptionScope"/>).
/// </summary>
internal readonly record struct SocketShape(AddressFamily Family, SocketType Type)
{
    /// <summary>IPv4 or IPv6.</summary>
    public bool IsIp => Family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;

    public bool IsIPv6 => Family == AddressFamily.InterNetworkV6;

    /// <summary>A TCP socket: a stream over IP.</summary>
    public bool IsTcp => IsIp && Type == SocketType.Stream;

    public bool IsUnix => Family == AddressFamily.Unix;

    public static SocketShape Of(Socket socket) => new(socket.AddressFamily, socket.SocketType);

    /// <summary>
    /// The shapes of the sockets <paramref name="endpoint"/> makes (a host
    /// name's addresses may be of both families); none for a FIFO; null when
    /// only the service manager knows, for a socket it passes.
    /// </summary>
    public static IReadOnlyList<SocketShape>? Of(ListenEndpoint endpoint) => endpoint.Endpoint switch
    {
        InetEndpoint => [.. endpoint.Addresses.Select(a => new SocketShape(a.AddressFamily, endpoint.SocketType)).Distinct()],
        UnixEndpoint unix => [new SocketShape(AddressFamily.Unix, unix.Type)],
        SystemdEndpoint or LaunchdEndpoint => null,
        _ => [],
    };

    public override string ToString() => (Family, Type) switch
    {
        (AddressFamily.InterNetwork, SocketType.Stream) => "TCP/IPv4",
        (AddressFamily.InterNetworkV6, SocketType.Stream) => "TCP/IPv6",
        (AddressFamily.InterNetwork, SocketType.Dgram) => "UDP/IPv4",
        (AddressFamily.InterNetworkV6, SocketType.Dgram) => "UDP/IPv6",
        (AddressFamily.Unix, SocketType.Stream) => "Unix stream",
        (AddressFamily.Unix, SocketType.Dgram) => "Unix datagram",
        (AddressFamily.Unix, SocketType.Seqpacket) => "Unix seqpacket",
        _ => $"{Family} {Type}",
    };
}
