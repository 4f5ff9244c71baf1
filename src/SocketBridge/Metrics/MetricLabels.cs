namespace SocketBridge.Metrics;

/// <summary>The label values the enumerations stand for, as Prometheus's naming rules want them (lower case, underscores).</summary>
internal static class MetricLabels
{
    private static readonly string[] Reasons = ["access", "rate", "per_source", "max", "descriptors"];
    private static readonly string[] Outcomes = ["status0", "status_other", "signal"];

    public static int ReasonCount => Reasons.Length;

    public static int OutcomeCount => Outcomes.Length;

    public static string Of(RefusalReason reason) => Reasons[(int)reason];

    public static string Of(ExitOutcome outcome) => Outcomes[(int)outcome];

    /// <summary>The outcome of an exit as wait(2) told it: a signal, or a status.</summary>
    public static ExitOutcome OutcomeOf(int? status, int? signal) =>
        signal is not null ? ExitOutcome.Signal : status == 0 ? ExitOutcome.Status0 : ExitOutcome.StatusOther;
}
