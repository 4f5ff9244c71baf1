namespace SocketBridge.Endpoints;

/// <summary><c>tcp:HOST:PORT</c>: an IPv4 address, <c>[IPv6]</c>, a host name, or <c>*</c> for every address.</summary>
internal sealed record TcpEndpoint(string Host, int Port) : InetEndpoint(Host, Port)
{
    public override string Scheme => "tcp";
}
