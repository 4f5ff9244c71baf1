using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// The rules of datagram and seqpacket sockets (<c>udp:</c>,
/// <c>unix-dgram:</c>, <c>unix-seqpacket:</c>) among a bridge's keys.
/// </summary>
internal static class SocketTypeRules
{
    /// <summary>
    /// A datagram socket has no connections: it cannot be a Target to connect
    /// to, any more than a Listen to accept from (see <see cref="Check"/>).
    /// </summary>
    public static string? DatagramTargetProblem(Endpoint target) => target switch
    {
        UdpEndpoint or UnixEndpoint { Type: SocketType.Dgram } =>
            $"{target} is a datagram socket: a forward bridge connects to Target once per connection and relays a byte stream (or seqpacket messages), so Target is tcp:, unix:, unix-seqpacket: or fifo:",
        _ => null,
    };

    /// <summary>
    /// A datagram socket works in handoff mode only, as systemd's
    /// <c>Accept=no</c> and xinetd's <c>wait = yes</c>: there is nothing to
    /// accept, so nothing to spawn a program for or to forward. A forward
    /// bridge relays between sockets of one type: a seqpacket connection's
    /// message boundaries survive only into another seqpacket connection, and
    /// a stream has none to give one.
    /// </summary>
    public static void Check(BridgeShape shape, ErrorCollector errors)
    {
        ConfigNode bridge = shape.Bridge;
        if (bridge["Listen"] is not { } listen)
        {
            return;
        }

        string mode = shape.ModeName;
        IReadOnlyList<ListenEndpoint> endpoints = shape.Endpoints;
        for (int i = 0; i < endpoints.Count; i++)
        {
            ListenEndpoint endpoint = endpoints[i];
            if (endpoint.SocketType == SocketType.Seqpacket && !OperatingSystem.IsLinux())
            {
                errors.Add(bridge.File, ListenKeys.Key(listen, i), $"{endpoint}: Unix seqpacket sockets are a Linux feature");
            }

            if (endpoint.IsDatagram && shape.Mode != BridgeMode.Handoff)
            {
                // The Mode key when one is written (it is what to change), else the endpoint.
                string key = bridge["Mode"]?.Path ?? ListenKeys.Key(listen, i);
                errors.Add(bridge.File, key, $"{mode} mode cannot serve Listen {endpoint}, a datagram socket: it has no connections to "
                    + (shape.Mode == BridgeMode.Forward ? "accept and forward" : "accept and launch a program for")
                    + "; a datagram socket works in handoff mode only (\"Mode\": \"handoff\"), where the program gets the socket and reads the datagrams, as with systemd's Accept=no and xinetd's wait = yes");
            }
        }

        if (shape.Mode == BridgeMode.Forward && shape.Target is { } target and not FifoEndpoint && bridge["Target"] is { } targetNode)
        {
            SocketType targetType = target is UnixEndpoint unix ? unix.Type : SocketType.Stream;
            for (int i = 0; i < endpoints.Count; i++)
            {
                ListenEndpoint endpoint = endpoints[i];
                if (endpoint.IsDatagram || endpoint.IsPassed || endpoint.SocketType == targetType)
                {
                    continue;
                }

                errors.Add(targetNode, targetType == SocketType.Seqpacket
                    ? $"{target} is a seqpacket socket, and {ListenKeys.Name(listen, i)} ({endpoint}) a stream, which has no message boundaries to give it: a forward bridge relays stream to stream and seqpacket to seqpacket"
                    : $"{target} is a stream, and {ListenKeys.Name(listen, i)} ({endpoint}) a seqpacket socket, whose message boundaries a stream would lose: forward it to a unix-seqpacket: Target (stream to stream, seqpacket to seqpacket)");
            }
        }
        else if (shape.Mode == BridgeMode.Forward && shape.Target is FifoEndpoint fifo && bridge["Target"] is { } fifoNode
            && endpoints.FirstOrDefault(e => e.SocketType == SocketType.Seqpacket) is { } seqpacket)
        {
            errors.Add(fifoNode, $"{fifo} is a byte stream, and {seqpacket} a seqpacket socket, whose message boundaries it would lose: forward it to a unix-seqpacket: Target");
        }

        if (bridge["ProxyProtocol"] is { } proxy && shape.Mode == BridgeMode.Forward
            && (shape.Target is UnixEndpoint { Type: SocketType.Seqpacket } || endpoints.Any(e => e.SocketType == SocketType.Seqpacket)))
        {
            errors.Add(proxy, "does not apply to seqpacket sockets: a PROXY header goes before a stream's first byte, and a seqpacket backend would take it for a message of its own");
        }
    }
}
