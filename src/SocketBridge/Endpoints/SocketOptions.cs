using System.Globalization;
using System.Text;

namespace SocketBridge.Endpoints;

/// <summary>
/// The socket options of a bridge's listening sockets, with the names
/// systemd.socket(5) users know, validated at load. A bridge has one set;
/// each of its endpoints carries the part that means something for the
/// sockets it makes (<see cref="ForEndpoint"/>). Options set on a listening
/// TCP socket are inherited by the connections accepted on it, so they reach
/// a spawned program's connection and a handoff program's accepts alike.
/// </summary>
internal sealed record SocketOptions
{
    public static SocketOptions None { get; } = new();

    /// <summary>SO_REUSEPORT: other sockets with it, of any process of the same user, may share the address and port.</summary>
    public bool ReusePort { get; init; }

    /// <summary>IP_FREEBIND / IPV6_FREEBIND: bind an address the machine does not have (yet).</summary>
    public bool FreeBind { get; init; }

    /// <summary>SO_BINDTODEVICE: only packets that came in through this interface; null for any.</summary>
    public string? BindToDevice { get; init; }

    /// <summary>IPV6_V6ONLY on IPv6 sockets.</summary>
    public BindIPv6Only BindIPv6Only { get; init; }

    /// <summary>TCP_DEFER_ACCEPT, in whole seconds (rounded up); null leaves it off.</summary>
    public int? DeferAcceptSeconds { get; init; }

    /// <summary>SO_RCVBUF in bytes, as asked (the kernel doubles it); null leaves the kernel's.</summary>
    public int? ReceiveBuffer { get; init; }

    /// <summary>SO_SNDBUF in bytes, as asked (the kernel doubles it); null leaves the kernel's.</summary>
    public int? SendBuffer { get; init; }

    /// <summary>SO_MARK; null leaves none.</summary>
    public uint? Mark { get; init; }

    /// <summary>SO_KEEPALIVE (set too when one of the keep-alive timers is).</summary>
    public bool KeepAlive { get; init; }

    /// <summary>TCP_KEEPIDLE, in whole seconds; null leaves net.ipv4.tcp_keepalive_time.</summary>
    public int? KeepAliveTimeSeconds { get; init; }

    /// <summary>TCP_KEEPINTVL, in whole seconds; null leaves net.ipv4.tcp_keepalive_intvl.</summary>
    public int? KeepAliveIntervalSeconds { get; init; }

    /// <summary>TCP_KEEPCNT; null leaves net.ipv4.tcp_keepalive_probes.</summary>
    public int? KeepAliveProbes { get; init; }

    /// <summary>SO_PASSCRED on Unix sockets.</summary>
    public bool PassCredentials { get; init; }

    /// <summary>
    /// The options bound with the socket, as text ("" when none is set): part
    /// of what identifies an endpoint's socket, so a reload that changes one
    /// makes the socket anew.
    /// </summary>
    public string BindingKey
    {
        get
        {
            var key = new StringBuilder();
            if (ReusePort)
            {
                key.Append(" ReusePort");
            }

            if (FreeBind)
            {
                key.Append(" FreeBind");
            }

            if (BindToDevice is not null)
            {
                key.Append(" BindToDevice=").Append(BindToDevice);
            }

            if (BindIPv6Only != BindIPv6Only.Default)
            {
                key.Append(" BindIPv6Only=").Append(BindIPv6Only == BindIPv6Only.Both ? "both" : "ipv6-only");
            }

            return key.ToString().TrimStart();
        }
    }

    /// <summary>The keys set here (not at their defaults), as the configuration names them.</summary>
    public IEnumerable<string> SetKeys() => SocketOptionScope.Keys.Where(IsSet);

    /// <summary>Whether <paramref name="key"/> is set here, to anything but its default.</summary>
    public bool IsSet(string key) => key switch
    {
        "ReusePort" => ReusePort,
        "FreeBind" => FreeBind,
        "BindToDevice" => BindToDevice is not null,
        "BindIPv6Only" => BindIPv6Only != BindIPv6Only.Default,
        "DeferAccept" => DeferAcceptSeconds is not null,
        "ReceiveBuffer" => ReceiveBuffer is not null,
        "SendBuffer" => SendBuffer is not null,
        "Mark" => Mark is not null,
        "KeepAlive" => KeepAlive,
        "KeepAliveTime" => KeepAliveTimeSeconds is not null,
        "KeepAliveInterval" => KeepAliveIntervalSeconds is not null,
        "KeepAliveProbes" => KeepAliveProbes is not null,
        "PassCredentials" => PassCredentials,
        _ => false,
    };

    /// <summary>
    /// What of these options an endpoint's sockets take: those that mean
    /// something for one of <paramref name="shapes"/>; for a socket the
    /// service manager passes (<paramref name="shapes"/> null: its kind is
    /// known only at start), those that can be set on a bound socket.
    /// </summary>
    public SocketOptions ForEndpoint(IReadOnlyList<SocketShape>? shapes) => Keep(key => shapes is null
        ? !SocketOptionScope.IsBindTime(key)
        : shapes.Any(shape => SocketOptionScope.AppliesTo(key, shape)));

    /// <summary>What of these options one socket of <paramref name="shape"/> takes.</summary>
    public SocketOptions ForSocket(SocketShape shape) => Keep(key => SocketOptionScope.AppliesTo(key, shape));

    /// <summary>These options without those bound with the socket, for one the service manager bound.</summary>
    public SocketOptions WithoutBindTime() => Keep(key => !SocketOptionScope.IsBindTime(key));

    /// <summary>The options set, as <c>check</c> and the logs show them: <c>ReusePort, DeferAccept=31s, Mark=0x2a</c>.</summary>
    public override string ToString() => string.Join(", ", SetKeys().Select(key => key switch
    {
        "BindToDevice" => $"BindToDevice={BindToDevice}",
        "BindIPv6Only" => $"BindIPv6Only={(BindIPv6Only == BindIPv6Only.Both ? "both" : "ipv6-only")}",
        "DeferAccept" => Invariant($"DeferAccept={DeferAcceptSeconds}s"),
        "ReceiveBuffer" => Invariant($"ReceiveBuffer={ReceiveBuffer}"),
        "SendBuffer" => Invariant($"SendBuffer={SendBuffer}"),
        "Mark" => Invariant($"Mark={Mark}"),
        "KeepAliveTime" => Invariant($"KeepAliveTime={KeepAliveTimeSeconds}s"),
        "KeepAliveInterval" => Invariant($"KeepAliveInterval={KeepAliveIntervalSeconds}s"),
        "KeepAliveProbes" => Invariant($"KeepAliveProbes={KeepAliveProbes}"),
        _ => key,
    }));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private SocketOptions Keep(Func<string, bool> applies) => new()
    {
        ReusePort = ReusePort && applies("ReusePort"),
        FreeBind = FreeBind && applies("FreeBind"),
        BindToDevice = applies("BindToDevice") ? BindToDevice : null,
        BindIPv6Only = applies("BindIPv6Only") ? BindIPv6Only : BindIPv6Only.Default,
        DeferAcceptSeconds = applies("DeferAccept") ? DeferAcceptSeconds : null,
        ReceiveBuffer = applies("ReceiveBuffer") ? ReceiveBuffer : null,
        SendBuffer = applies("SendBuffer") ? SendBuffer : null,
        Mark = applies("Mark") ? Mark : null,
        KeepAlive = KeepAlive && applies("KeepAlive"),
        KeepAliveTimeSeconds = applies("KeepAliveTime") ? KeepAliveTimeSeconds : null,
        KeepAliveIntervalSeconds = applies("KeepAliveInterval") ? KeepAliveIntervalSeconds : null,
        KeepAliveProbes = applies("KeepAliveProbes") ? KeepAliveProbes : null,
        PassCredentials = PassCredentials && applies("PassCredentials"),
    };
}
