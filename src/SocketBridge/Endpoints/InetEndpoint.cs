namespace SocketBridge.Endpoints;

/// <summary>
/// <c>SCHEME:HOST:PORT</c>, what <see cref="TcpEndpoint"/> and
/// <see cref="UdpEndpoint"/> share: HOST is an IPv4 address, <c>[IPv6]</c>,
/// a host name, or <c>*</c> for every address (one dual-stack socket).
/// </summary>
internal abstract record InetEndpoint(string Host, int Port) : Endpoint
{
    /// <summary>True for <c>*</c>: one dual-stack socket on every address.</summary>
    public bool IsAnyAddress => Host == "*";

    /// <summary>Sealed, so TcpEndpoint and UdpEndpoint print as written rather than as records.</summary>
    public sealed override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"{Scheme}:[{Host}]:{Port}" : $"{Scheme}:{Host}:{Port}";
}
