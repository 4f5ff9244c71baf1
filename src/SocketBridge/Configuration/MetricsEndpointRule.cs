using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// The metrics endpoint must be its own: a bridge listening on the same
/// socket file or address and port would fail to bind at start, after the
/// check had passed.
/// </summary>
internal static class MetricsEndpointRule
{
    public static void Check(ConfigNode node, ListenEndpoint metrics, IReadOnlyList<BridgeOptions> bridges, ErrorCollector errors)
    {
        foreach (BridgeOptions bridge in bridges)
        {
            foreach (ListenEndpoint endpoint in bridge.Listen.Endpoints)
            {
                if (metrics.Endpoint is UnixEndpoint unix && endpoint.Endpoint is UnixEndpoint other && other.Path == unix.Path)
                {
                    errors.Add(node, $"{metrics.Endpoint} is also bridge {bridge.Name}'s Listen: the metrics need a socket file of their own");
                    return;
                }

                if (endpoint.SocketType == SocketType.Stream && metrics.SharedAddress(endpoint) is { } shared)
                {
                    errors.Add(node, $"{metrics.Endpoint} overlaps bridge {bridge.Name}'s Listen ({endpoint}): both would listen on {shared.Address} port {shared.Port}");
                    return;
                }
            }
        }
    }
}
