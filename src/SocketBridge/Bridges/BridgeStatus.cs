namespace SocketBridge.Bridges;

/// <summary>One row of <c>socketbridge status</c> (SPEC 2).</summary>
public sealed record BridgeStatus(
    string Name,
    string Listen,
    string Mode,
    string State,
    int Active,
    long Total,
    long Refused,
    string? LastError,
    DateTimeOffset? LastErrorTime)
{
    /// <summary><paramref name="draining"/>: connections still open on the bridge this one replaced.</summary>
    public static BridgeStatus Of(Bridge bridge, string state, int draining)
    {
        BridgeCounters counters = bridge.Counters;
        BridgeError? error = counters.LastError;
        return new BridgeStatus(
            bridge.Options.Name,
            bridge.Options.Listen.ToString(),
            bridge.Options.Mode.ToString().ToLowerInvariant(),
            state,
            counters.Active + draining,
            counters.Total,
            counters.Refused,
            error?.Message,
            error?.Time);
    }
}
