using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

internal static class ListenSetRule
{
    /// <summary>
    /// Endpoints that make sense together: none twice, no two TCP endpoints
    /// on one address and port (the second bind would fail), and a FIFO
    /// alone (it has sessions, not connections, and no socket to pass on).
    /// </summary>
    public static bool Check(ConfigNode node, List<ListenEndpoint> endpoints, ErrorCollector errors)
    {
        bool valid = true;
        for (int i = 0; i < endpoints.Count; i++)
        {
            ListenEndpoint endpoint = endpoints[i];
            if (endpoint.Endpoint is FifoEndpoint && endpoints.Count > 1)
            {
                errors.Add(node.File, ListenKeys.Key(node, i), $"{endpoint} must be the bridge's only endpoint: a FIFO has sessions, not connections (give it a bridge of its own)");
                valid = false;
            }

            for (int j = 0; j < i; j++)
            {
                if (SameFileOrName(endpoints[j].Endpoint, endpoint.Endpoint))
                {
                    errors.Add(node.File, ListenKeys.Key(node, i), $"{endpoint} is listed twice (Listen[{j}] is {endpoints[j]})");
                    valid = false;
                    break;
                }

                if (endpoints[j].SharedAddress(endpoint) is { } shared)
                {
                    string where = shared.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{shared.Address}]" : shared.Address.ToString();
                    errors.Add(node.File, ListenKeys.Key(node, i), $"{endpoint} overlaps Listen[{j}] ({endpoints[j]}): both would listen on {where} port {shared.Port}");
                    valid = false;
                    break;
                }
            }
        }

        return valid;
    }

    /// <summary>The same endpoint, or two spellings of one file (<c>/run//x</c> and <c>/run/x</c>).</summary>
    private static bool SameFileOrName(Endpoint first, Endpoint second)
    {
        static string? FilePath(Endpoint endpoint) => endpoint switch
        {
            UnixEndpoint { IsAbstract: false } unix => Path.GetFullPath(unix.Path),
            FifoEndpoint fifo => Path.GetFullPath(fifo.Path),
            _ => null,
        };

        return first == second || (FilePath(first) is { } path && path == FilePath(second));
    }
}
