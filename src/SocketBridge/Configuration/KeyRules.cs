
namespace SocketBridge.Configuration;

/// <summary>Whether a key written on a bridge applies to it: its mode first, then its endpoints (the table's two columns).</summary>
internal static class KeyRules
{
    /// <summary>The node of <paramref name="key"/> when it is written and applies; null otherwise (an error says why when it does not apply).</summary>
    public static ConfigNode? Applying(BridgeKey key, BridgeShape shape, ErrorCollector errors) =>
        shape.Bridge[key.Name] is { } node && Check(key, node, shape, errors) ? node : null;

    public static bool Check(BridgeKey key, ConfigNode node, BridgeShape shape, ErrorCollector errors) =>
        ModeRule.Check(key, node, shape.Mode, errors) && EndpointKindRule.Check(key, node, shape, errors);
}
