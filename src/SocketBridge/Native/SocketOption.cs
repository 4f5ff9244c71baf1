namespace SocketBridge.Native;

/// <summary>
/// The socket options the daemon sets, by meaning; <c>sb_sockopt.c</c> maps
/// each to its level and name from the system's headers. Mirrors the
/// <c>SB_SOCKOPT_*</c> values of <c>socketbridge_native.h</c>: keep the two in step.
/// </summary>
internal enum SocketOption
{
    /// <summary>SO_REUSEADDR: bind over connections still in TIME_WAIT.</summary>
    ReuseAddress = 1,

    /// <summary>SO_REUSEPORT: several sockets, of this or other processes of the same user, share the port.</summary>
    ReusePort = 2,

    /// <summary>IP_FREEBIND, IPV6_FREEBIND on an IPv6 socket: bind an address the machine does not have (yet).</summary>
    FreeBind = 3,

    /// <summary>IPV6_V6ONLY: an IPv6 socket takes no IPv4 clients.</summary>
    V6Only = 4,

    /// <summary>TCP_DEFER_ACCEPT, in seconds: a connection is queued for accept(2) only once its first bytes came.</summary>
    DeferAccept = 5,

    /// <summary>SO_RCVBUF (SO_RCVBUFFORCE when permitted).</summary>
    ReceiveBuffer = 6,

    /// <summary>SO_SNDBUF (SO_SNDBUFFORCE when permitted).</summary>
    SendBuffer = 7,

    /// <summary>SO_MARK: the firewall mark of the socket's packets.</summary>
    Mark = 8,

    /// <summary>SO_KEEPALIVE.</summary>
    KeepAlive = 9,

    /// <summary>TCP_KEEPIDLE, in seconds.</summary>
    KeepAliveTime = 10,

    /// <summary>TCP_KEEPINTVL, in seconds.</summary>
    KeepAliveInterval = 11,

    /// <summary>TCP_KEEPCNT.</summary>
    KeepAliveProbes = 12,

    /// <summary>SO_PASSCRED: a Unix socket receives its peers' credentials (SCM_CREDENTIALS).</summary>
    PassCredentials = 13,
}
