using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SocketBridge.Metrics;

/// <summary>
/// The daemon's instruments, on .NET's own <see cref="Meter"/> named
/// <c>SocketBridge</c>, so any .NET-aware collector (dotnet-counters, an
/// OpenTelemetry SDK) reads them as the metrics endpoint does. Counts that
/// already exist (a bridge's <see cref="BridgeTally"/>, the daemon's
/// <see cref="DaemonTally"/>, the process's own figures) are observable
/// instruments, read when a collector asks; the two distributions are
/// histograms recorded as they happen, and cost nothing while no collector
/// listens. Names are .NET's dotted ones; the Prometheus writer turns them
/// into <c>socketbridge_..._total</c>, <c>_seconds</c> and <c>_bytes</c>.
/// </summary>
internal sealed class SocketBridgeMeter : IDisposable
{
    public const string Name = "SocketBridge";

    /// <summary>Reports every bridge serving now, whatever its mode: the collector's list of live bridges.</summary>
    public const string AcceptedInstrument = "socketbridge.connections.accepted";

    /// <summary>Launches take a few hundred microseconds; a slow one (a loaded machine, a big program) seconds.</summary>
    private static readonly double[] LaunchBounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    /// <summary>A connection lasts from a round trip to hours.</summary>
    private static readonly double[] DurationBounds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

    private readonly Meter _meter;

    /// <param name="bridges">The bridges serving now, read at each collection.</param>
    public SocketBridgeMeter(string version, DaemonTally daemon, Func<IReadOnlyList<BridgeSample>> bridges, ProcessFigures process)
    {
        _meter = new Meter(Name, version);
        LaunchLatency = _meter.CreateHistogram(
            "socketbridge.launch.latency", "s", "Time from a connection's accept to its program's exec", null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = LaunchBounds });
        ConnectionDuration = _meter.CreateHistogram(
            "socketbridge.connection.duration", "s", "Time from a connection's accept to its end", null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBounds });

        _meter.CreateObservableCounter(AcceptedInstrument, () => PerBridge(bridges(), t => t.Accepted), "{connection}", "Connections accepted and served");
        _meter.CreateObservableCounter("socketbridge.connections.refused", () => Refusals(bridges()), "{connection}", "Connections accepted and closed unserved, by reason");
        _meter.CreateObservableGauge("socketbridge.connections.active", () => Active(bridges()), "{connection}", "Connections open now");
        _meter.CreateObservableCounter("socketbridge.programs.launched", () => PerBridge(bridges(), t => t.Launched), "{program}", "Programs started");
        _meter.CreateObservableCounter("socketbridge.program.exits", () => Exits(bridges()), "{program}", "Programs that ended, by outcome");
        _meter.CreateObservableCounter("socketbridge.forwarded", () => Forwarded(bridges()), "By", "Bytes relayed, in from clients and out to them (counted as each connection ends)");
        _meter.CreateObservableCounter("socketbridge.target.connect_failures", () => PerBridge(bridges(), t => t.ConnectFailures, "forward"), "{failure}", "Connections to the Target that failed");
        _meter.CreateObservableCounter("socketbridge.handoff.restarts", () => PerBridge(bridges(), t => t.HandoffRestarts, "handoff"), "{program}", "Handoff programs started again after one ended");

        _meter.CreateObservableCounter("socketbridge.reloads", () => Outcomes(daemon.ReloadsSucceeded, daemon.ReloadsFailed), "{reload}", "Configuration reloads, by outcome");
        _meter.CreateObservableCounter("socketbridge.reexecs", () => Outcomes(daemon.ReexecsSucceeded, daemon.ReexecsFailed), "{reexec}", "Re-execs of the daemon, by outcome");
        _meter.CreateObservableGauge("socketbridge.open_fds", ProcessFigures.OpenDescriptors, "{descriptor}", "Descriptors the daemon has open");
        _meter.CreateObservableGauge("socketbridge.resident_memory", ProcessFigures.ResidentBytes, "By", "The daemon's resident memory");
        _meter.CreateObservableGauge("socketbridge.threads", ProcessFigures.Threads, "{thread}", "The daemon's threads");
        _meter.CreateObservableGauge("socketbridge.start_time", () => process.StartTime, "s", "When the daemon started, in seconds since the Unix epoch (a re-exec keeps it)");
        _meter.CreateObservableGauge("socketbridge.build.info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", version)), null, "The running build's version, as a label");
    }

    public Histogram<double> LaunchLatency { get; }

    public Histogram<double> ConnectionDuration { get; }

    public void Dispose() => _meter.Dispose();

    /// <param name="mode">Only the bridges of this mode (a count that means nothing in the others); null: all.</param>
    private static List<Measurement<long>> PerBridge(IReadOnlyList<BridgeSample> bridges, Func<BridgeTally, long> value, string? mode = null)
    {
        var measurements = new List<Measurement<long>>(bridges.Count);
        foreach (BridgeSample bridge in bridges)
        {
            if (mode is not null && bridge.Tally.Mode != mode)
            {
                continue;
            }

            measurements.Add(new Measurement<long>(value(bridge.Tally), bridge.Tally.Labels));
        }

        return measurements;
    }

    private static List<Measurement<long>> Active(IReadOnlyList<BridgeSample> bridges)
    {
        var measurements = new List<Measurement<long>>(bridges.Count);
        foreach (BridgeSample bridge in bridges)
        {
            measurements.Add(new Measurement<long>(bridge.Active, bridge.Tally.Labels));
        }

        return measurements;
    }

    private static List<Measurement<long>> Refusals(IReadOnlyList<BridgeSample> bridges)
    {
        var measurements = new List<Measurement<long>>(bridges.Count * MetricLabels.ReasonCount);
        foreach (BridgeSample bridge in bridges)
        {
            for (int i = 0; i < MetricLabels.ReasonCount; i++)
            {
                var reason = (RefusalReason)i;
                measurements.Add(new Measurement<long>(bridge.Tally.RefusedFor(reason), With(bridge.Tally, "reason", MetricLabels.Of(reason))));
            }
        }

        return measurements;
    }

    private static List<Measurement<long>> Exits(IReadOnlyList<BridgeSample> bridges)
    {
        var measurements = new List<Measurement<long>>(bridges.Count * MetricLabels.OutcomeCount);
        foreach (BridgeSample bridge in bridges)
        {
            for (int i = 0; i < MetricLabels.OutcomeCount; i++)
            {
                var outcome = (ExitOutcome)i;
                measurements.Add(new Measurement<long>(bridge.Tally.Exits(outcome), With(bridge.Tally, "outcome", MetricLabels.Of(outcome))));
            }
        }

        return measurements;
    }

    private static List<Measurement<long>> Forwarded(IReadOnlyList<BridgeSample> bridges)
    {
        var measurements = new List<Measurement<long>>(bridges.Count * 2);
        foreach (BridgeSample bridge in bridges)
        {
            if (bridge.Tally.Mode != "forward")
            {
                continue;
            }

            measurements.Add(new Measurement<long>(bridge.Tally.BytesIn, With(bridge.Tally, "direction", "in")));
            measurements.Add(new Measurement<long>(bridge.Tally.BytesOut, With(bridge.Tally, "direction", "out")));
        }

        return measurements;
    }

    private static Measurement<long>[] Outcomes(long succeeded, long failed) =>
    [
        new(succeeded, new KeyValuePair<string, object?>("outcome", "success")),
        new(failed, new KeyValuePair<string, object?>("outcome", "failure")),
    ];

    private static TagList With(BridgeTally tally, string name, string value)
    {
        ReadOnlySpan<KeyValuePair<string, object?>> labels = tally.Labels;
        return new TagList { labels[0], labels[1], new(name, value) };
    }
}
