using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>
/// One entry of a bridge's <c>Listen</c> (SPEC 4), as <c>.socket</c> units
/// take several <c>ListenStream=</c>: the endpoint as written and, for
/// <c>tcp:</c> and <c>udp:</c>, the addresses it binds, resolved when the
/// configuration is loaded (a host name can have several; <c>*</c> is one
/// dual-stack socket).
/// Two entries are equal when they would make the same sockets, which is
/// what a reload compares to keep an endpoint's sockets: the same address,
/// and the same <see cref="Options"/> of those bound with the socket.
/// </summary>
internal sealed record ListenEndpoint(Endpoint Endpoint, IReadOnlyList<IPEndPoint> Addresses)
{
    public ListenEndpoint(Endpoint endpoint)
        : this(endpoint, [])
    {
    }

    /// <summary>
    /// The bridge's socket options that mean something for this endpoint's
    /// sockets (<see cref="SocketOptions.ForEndpoint"/>); the others are
    /// kept out of it.
    /// </summary>
    public SocketOptions Options { get; init; } = SocketOptions.None;

    /// <summary>This endpoint with the part of the bridge's <paramref name="options"/> that applies to it.</summary>
    public ListenEndpoint With(SocketOptions options) => this with { Options = options.ForEndpoint(SocketShape.Of(this)) };

    /// <summary>
    /// Whether an IPv6 socket of this endpoint on <c>[::]</c> also takes IPv4
    /// clients: <c>tcp:*</c> does unless BindIPv6Only is ipv6-only, a given
    /// address only when it is both.
    /// </summary>
    public bool DualStack => Endpoint is InetEndpoint inet && Options.BindIPv6Only switch
    {
        BindIPv6Only.Both => true,
        BindIPv6Only.Ipv6Only => false,
        _ => inet.IsAnyAddress,
    };

    /// <summary>
    /// A <c>tcp:</c> or <c>udp:</c> endpoint on port 0: the kernel picks each
    /// socket's port at bind(2), so two such endpoints never share one, and
    /// only the bound socket knows it (logs and <c>status</c> show it).
    /// </summary>
    public bool HasKernelPort => Endpoint is InetEndpoint { Port: 0 };

    /// <summary>A TCP endpoint (its clients have addresses: AllowFrom, DenyFrom).</summary>
    public bool IsTcp => Endpoint is TcpEndpoint;

    /// <summary>A Unix socket (its clients have credentials: AllowUsers, AllowGroups).</summary>
    public bool IsUnix => Endpoint is UnixEndpoint;

    /// <summary>
    /// The type of socket it makes: a datagram socket (<c>udp:</c>,
    /// <c>unix-dgram:</c>) has no connections, a seqpacket one keeps message
    /// boundaries; a passed socket's type is known only at start (Stream until then).
    /// </summary>
    public SocketType SocketType => Endpoint switch
    {
        UdpEndpoint => SocketType.Dgram,
        UnixEndpoint unix => unix.Type,
        _ => SocketType.Stream,
    };

    /// <summary>A datagram socket: it serves in handoff mode only.</summary>
    public bool IsDatagram => SocketType == SocketType.Dgram;

    /// <summary>A socket the service manager passes, whose kind is known only at start.</summary>
    public bool IsPassed => Endpoint is SystemdEndpoint or LaunchdEndpoint;

    /// <summary>A file the daemon makes: a <c>unix:/path</c> socket or a FIFO (SocketMode, SocketUser, SocketGroup).</summary>
    public string? FilePath => Endpoint switch
    {
        UnixEndpoint { IsAbstract: false } unix => unix.Path,
        FifoEndpoint fifo => fifo.Path,
        _ => null,
    };

    /// <summary>What identifies the sockets: the endpoint as written, the addresses it resolved to, the options bound with them.</summary>
    public string Key => Options.BindingKey.Length == 0 ? Address : $"{Address}|{Options.BindingKey}";

    /// <summary>Where the sockets listen: the endpoint as written and the addresses it resolved to.</summary>
    public string Address => Addresses.Count == 0 ? Endpoint.ToString()! : $"{Endpoint}|{string.Join(' ', Addresses)}";

    /// <summary>
    /// An address and port both endpoints would listen on, or null: the
    /// second bind(2) would fail with "address in use". A wildcard covers its
    /// family (<c>0.0.0.0</c> IPv4, <c>[::]</c> IPv6) and <c>*</c> both.
    /// </summary>
    public IPEndPoint? SharedAddress(ListenEndpoint other)
    {
        // tcp: and udp: ports are separate: only the same protocol's can clash.
        if (Endpoint is not InetEndpoint mine || other.Endpoint is not InetEndpoint theirs || mine.Scheme != theirs.Scheme)
        {
            return null;
        }

        foreach (IPEndPoint a in Addresses)
        {
            foreach (IPEndPoint b in other.Addresses)
            {
                // Port 0 is a different port for every socket, picked at bind(2).
                if (a.Port != b.Port || a.Port == 0)
                {
                    continue;
                }

                if (Covers(a, b))
                {
                    return b;
                }

                if (other.Covers(b, a))
                {
                    return a;
                }
            }
        }

        return null;
    }

    private bool Covers(IPEndPoint wide, IPEndPoint narrow) =>
        wide.Address.Equals(narrow.Address)
        || (wide.Address.Equals(IPAddress.Any) && narrow.AddressFamily == AddressFamily.InterNetwork)
        || (wide.Address.Equals(IPAddress.IPv6Any) && (DualStack || narrow.AddressFamily == AddressFamily.InterNetworkV6));

    public bool Equals(ListenEndpoint? other) => other is not null && Key == other.Key;

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    /// <summary>The endpoint as the user wrote it.</summary>
    public override string ToString() => Endpoint.ToString()!;
}
