namespace SocketBridge.Endpoints;

/// <summary><c>tcp:HOST:PORT</c>: an IPv4 address, <c>[IPv6]</c>, a host name, or <c>*</c> for every address.</summary>
public sealed record TcpEndpoint(string Host, int Port) : Endpoint
{
    public override string Scheme => "tcp";

    /// <summary>True for <c>*</c>: one dual-stack socket on every address.</summary>
    public bool IsAnyAddress => Host == "*";

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"tcp:[{Host}]:{Port}" : $"tcp:{Host}:{Port}";
}
