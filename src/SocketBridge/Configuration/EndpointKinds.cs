using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>The kinds of Listen endpoint a bridge key applies to, by scheme (SPEC 4).</summary>
[Flags]
public enum EndpointKinds
{
    None = 0,
    Tcp = 1,
    Udp = 2,
    Unix = 4,
    UnixDgram = 8,
    UnixSeqpacket = 16,
    Fifo = 32,
    Systemd = 64,
    Launchd = 128,

    /// <summary>Sockets the service manager binds and passes: of any kind, known only at start.</summary>
    Passed = Systemd | Launchd,
    UnixSockets = Unix | UnixDgram | UnixSeqpacket,
    All = Tcp | Udp | UnixSockets | Fifo | Passed,
}

/// <summary>The kind of an endpoint.</summary>
internal static class EndpointKind
{
    public static EndpointKinds Of(Endpoint endpoint) => endpoint switch
    {
        TcpEndpoint => EndpointKinds.Tcp,
        UdpEndpoint => EndpointKinds.Udp,
        UnixEndpoint { Type: SocketType.Dgram } => EndpointKinds.UnixDgram,
        UnixEndpoint { Type: SocketType.Seqpacket } => EndpointKinds.UnixSeqpacket,
        UnixEndpoint => EndpointKinds.Unix,
        FifoEndpoint => EndpointKinds.Fifo,
        SystemdEndpoint => EndpointKinds.Systemd,
        LaunchdEndpoint => EndpointKinds.Launchd,
        _ => EndpointKinds.None,
    };
}
