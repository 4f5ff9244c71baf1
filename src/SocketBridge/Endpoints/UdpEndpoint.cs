namespace SocketBridge.Endpoints;

/// <summary>
/// <c>udp:HOST:PORT</c>: a datagram socket, HOST as for <c>tcp:</c>. It has
/// no connections to accept, so it serves in handoff mode only, as systemd's
/// <c>ListenDatagram=</c> with <c>Accept=no</c> and xinetd's <c>wait = yes</c>.
/// </summary>
internal sealed record UdpEndpoint(string Host, int Port) : InetEndpoint(Host, Port)
{
    public override string Scheme => "udp";
}
