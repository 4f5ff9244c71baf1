using SocketBridge.Metrics;

namespace SocketBridge.Bridges;

/// <summary>
/// What <c>status --json</c> shows of a bridge's tally, the same counts its
/// metrics carry: refusals by reason and exits by outcome keyed by their
/// metric labels (access, rate, per_source, max, descriptors; status0,
/// status_other, signal). Null in a status from a daemon that predates them.
/// </summary>
internal sealed record BridgeCounts(
    long Accepted,
    IReadOnlyDictionary<string, long> Refused,
    long Launched,
    IReadOnlyDictionary<string, long> Exits,
    long BytesIn,
    long BytesOut,
    long ConnectFailures,
    long HandoffRestarts)
{
    public static BridgeCounts Of(BridgeTally tally)
    {
        var refused = new Dictionary<string, long>(MetricLabels.ReasonCount);
        for (int i = 0; i < MetricLabels.ReasonCount; i++)
        {
            refused[MetricLabels.Of((RefusalReason)i)] = tally.RefusedFor((RefusalReason)i);
        }

        var exits = new Dictionary<string, long>(MetricLabels.OutcomeCount);
        for (int i = 0; i < MetricLabels.OutcomeCount; i++)
        {
            exits[MetricLabels.Of((ExitOutcome)i)] = tally.Exits((ExitOutcome)i);
        }

        return new BridgeCounts(tally.Accepted, refused, tally.Launched, exits, tally.BytesIn, tally.BytesOut, tally.ConnectFailures, tally.HandoffRestarts);
    }
}
