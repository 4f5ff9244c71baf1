namespace SocketBridge.Endpoints;

/// <summary>
/// Which socket options mean something for which sockets, by key: one table
/// for loading (a key no endpoint of the bridge can take is an error), for
/// binding (a key is applied to the endpoints it means something for and
/// kept out of the others in a mixed Listen) and for reloading (a key bound
/// with the socket needs a new one when it changes).
/// </summary>
internal static class SocketOptionScope
{
    /// <summary>Every socket option key, in the order the README's table gives them.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "ReusePort", "FreeBind", "BindToDevice", "BindIPv6Only", "DeferAccept", "ReceiveBuffer", "SendBuffer",
        "Mark", "KeepAlive", "KeepAliveTime", "KeepAliveInterval", "KeepAliveProbes", "PassCredentials",
    ];

    /// <summary>
    /// Options that take effect when the socket is bound: they cannot be set
    /// on a socket the service manager passed (it bound it), and a change
    /// needs a new socket.
    /// </summary>
    public static bool IsBindTime(string key) => key is "ReusePort" or "FreeBind" or "BindToDevice" or "BindIPv6Only";

    /// <summary>Whether <paramref name="key"/> means something for a socket of <paramref name="shape"/>.</summary>
    public static bool AppliesTo(string key, SocketShape shape) => key switch
    {
        "ReusePort" or "FreeBind" or "BindToDevice" or "Mark" => shape.IsIp,
        "BindIPv6Only" => shape.IsIPv6,
        "DeferAccept" or "KeepAlive" or "KeepAliveTime" or "KeepAliveInterval" or "KeepAliveProbes" => shape.IsTcp,

        // A TCP connection takes its listening socket's sizes, a datagram
        // socket uses its own; a Unix stream connection gets the kernel's
        // defaults whatever its listening socket has.
        "ReceiveBuffer" or "SendBuffer" => shape.IsIp || shape.Type == System.Net.Sockets.SocketType.Dgram,
        "PassCredentials" => shape.IsUnix,
        _ => false,
    };

    /// <summary>The sockets <paramref name="key"/> applies to, as messages say it.</summary>
    public static string Needs(string key) => key switch
    {
        "ReusePort" or "FreeBind" or "BindToDevice" or "Mark" => "IP sockets (tcp:, udp:)",
        "BindIPv6Only" => "IPv6 sockets (tcp:[IPv6]:PORT, tcp:*:PORT, and the same for udp:)",
        "DeferAccept" or "KeepAlive" or "KeepAliveTime" or "KeepAliveInterval" or "KeepAliveProbes" => "TCP sockets (tcp:)",
        "ReceiveBuffer" or "SendBuffer" => "TCP sockets (tcp:), whose connections take the listening socket's sizes, and datagram sockets (udp:, unix-dgram:), which use their own (a Unix stream connection does not)",
        "PassCredentials" => "Unix sockets (unix:, unix-dgram:, unix-seqpacket:)",
        _ => "sockets",
    };
}
