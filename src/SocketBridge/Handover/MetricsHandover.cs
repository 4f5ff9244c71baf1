namespace SocketBridge.Handover;

/// <summary>
/// What a bridge counted beyond its admissions (SocketBridge's metrics), so
/// a re-exec's next image goes on counting where this one was: a counter
/// that goes backwards is a reset to Prometheus, and a rate that lies.
/// Optional in the state: an image that predates it starts them at zero.
/// </summary>
internal sealed record TallyHandover
{
    public long Accepted { get; init; }

    /// <summary>Refusals by reason, in <c>RefusalReason</c>'s order.</summary>
    public IReadOnlyList<long> Refused { get; init; } = [];

    public long Launched { get; init; }

    /// <summary>Program exits by outcome, in <c>ExitOutcome</c>'s order.</summary>
    public IReadOnlyList<long> Exits { get; init; } = [];

    public long BytesIn { get; init; }

    public long BytesOut { get; init; }

    public long ConnectFailures { get; init; }

    public long HandoffRestarts { get; init; }
}

/// <summary>The daemon's own counts: reloads and re-execs by outcome.</summary>
internal sealed record DaemonTallyHandover
{
    public long ReloadsSucceeded { get; init; }

    public long ReloadsFailed { get; init; }

    public long ReexecsSucceeded { get; init; }

    public long ReexecsFailed { get; init; }
}

/// <summary>One histogram series as the metrics endpoint had aggregated it: its instrument, its labels, its bucket counts, sum and count.</summary>
internal sealed record HistogramHandover
{
    public required string Instrument { get; init; }

    /// <summary>Label names and values, alternating.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Observations per bucket (not cumulative), the last one above every bound.</summary>
    public IReadOnlyList<long> Buckets { get; init; } = [];

    public double Sum { get; init; }

    public long Count { get; init; }
}
