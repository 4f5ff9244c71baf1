
namespace SocketBridge.Configuration;

/// <summary>
/// A key must mean something for at least one endpoint of Listen
/// (<see cref="BridgeKey.Kinds"/>): on a bridge listening on both kinds,
/// each key judges its own. An unknown Listen (it had errors of its own)
/// says nothing.
/// </summary>
internal static class EndpointKindRule
{
    /// <summary>Whether <paramref name="key"/> applies to an endpoint of the bridge; if not, the error is added.</summary>
    public static bool Check(BridgeKey key, ConfigNode node, BridgeShape shape, ErrorCollector errors)
    {
        if (shape.Listen is null || shape.Listen.Any(key.AppliesTo))
        {
            return true;
        }

        errors.Add(node, Message(key, shape.DescribeListen()));
        return false;
    }

    /// <summary>Why <paramref name="key"/> means nothing for the endpoints <paramref name="listen"/>.</summary>
    public static string Message(BridgeKey key, string listen) => key.Name switch
    {
        "AllowFrom" or "DenyFrom" => $"applies to TCP clients, not to {listen} (use AllowUsers or AllowGroups for Unix sockets)",
        "AllowUsers" or "AllowGroups" => $"applies to Unix-socket clients, not to {listen} (use AllowFrom or DenyFrom for TCP)",
        "MaxConnectionsPerSource" or "RateLimit" => $"does not apply to {listen}: a FIFO has sessions, not connections from sources",
        "ProxyProtocol" => "does not apply to a fifo: Listen: a FIFO's writers have no address to pass on",
        "SocketMode" or "SocketUser" or "SocketGroup" => $"only applies to a unix:/path or fifo: endpoint, not {listen}",
        _ => $"does not apply to {listen}",
    };
}
