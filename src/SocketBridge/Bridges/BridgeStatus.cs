namespace SocketBridge.Bridges;

/// <summary>
/// One row of <c>socketbridge status</c> (SPEC 2). <see cref="Listen"/> is
/// every endpoint on one line, as the table shows it; <see cref="Endpoints"/>
/// the same, one element each, for scripts (null from a daemon that predates it);
/// <see cref="Counts"/> the bridge's metrics counts (<see cref="BridgeCounts"/>).
/// </summary>
internal sealed record BridgeStatus(
    string Name,
    string Listen,
    string Mode,
    string State,
    int Active,
    long Total,
    long Refused,
    string? LastError,
    DateTimeOffset? LastErrorTime,
    IReadOnlyList<string>? Endpoints = null,
    BridgeCounts? Counts = null)
{
    /// <summary><paramref name="draining"/>: connections still open on the bridge this one replaced.</summary>
    public static BridgeStatus Of(Bridge bridge, string state, int draining)
    {
        BridgeCounters counters = bridge.Counters;
        BridgeError? error = counters.LastError;
        // The bound endpoints, in Listen's order: on port 0 they know the port the kernel picked.
        string[] endpoints = [.. bridge.Endpoints.Select(e => e.Display)];
        return new BridgeStatus(
            bridge.Options.Name,
            string.Join(", ", endpoints),
            bridge.Options.Mode.ToString().ToLowerInvariant(),
            state,
            counters.Active + draining,
            counters.Total,
            counters.Refused,
            error?.Message,
            error?.Time,
            endpoints,
            BridgeCounts.Of(counters.Tally));
    }
}
