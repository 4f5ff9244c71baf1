namespace SocketBridge.Endpoints;

/// <summary>
/// <c>BindIPv6Only</c> (systemd.socket(5)'s <c>BindIPv6Only=</c>): whether an
/// IPv6 socket also takes IPv4 clients (IPV6_V6ONLY, ipv6(7)).
/// </summary>
internal enum BindIPv6Only
{
    /// <summary>As socketbridge always did: <c>tcp:*</c> is one dual-stack socket, a given IPv6 address (<c>[::]</c> too) IPv6 only.</summary>
    Default,

    /// <summary>IPV6_V6ONLY off: an IPv6 socket on <c>[::]</c> takes IPv4 clients as well.</summary>
    Both,

    /// <summary>IPV6_V6ONLY on: <c>tcp:*</c> takes IPv6 clients only.</summary>
    Ipv6Only,
}
