using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

internal static class HandoffSocketsRule
{
    /// <summary>
    /// A handoff program gets every socket of the bridge, and a host name can
    /// stand for several: together they must fit in what a launch passes.
    /// </summary>
    public static void Check(ConfigNode bridge, ErrorCollector errors, BridgeMode mode, IReadOnlyList<ListenEndpoint>? listen)
    {
        int sockets = (listen ?? []).Sum(e => Math.Max(1, e.Addresses.Count));
        if (mode == BridgeMode.Handoff && sockets > BridgeOptionsReader.MaxListenEndpoints)
        {
            errors.Add(bridge["Listen"]!, $"makes {sockets} sockets (a host name binds each of its addresses), and a handoff program can be given at most {BridgeOptionsReader.MaxListenEndpoints}");
        }
    }
}
