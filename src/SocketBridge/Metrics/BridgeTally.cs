using SocketBridge.Handover;

namespace SocketBridge.Metrics;

/// <summary>
/// What one bridge has counted, for its metrics and <c>status --json</c>:
/// connections accepted and refused (by reason), programs launched and how
/// they ended, bytes forwarded, Target connections that failed, handoff
/// restarts; and its two histograms (launch latency, connection duration),
/// recorded on the daemon's <see cref="SocketBridgeMeter"/> with the
/// bridge's labels. Counting is an interlocked add, nothing more, so it
/// costs the accept and relay paths nothing that matters; the counts are
/// read only when someone asks. A bridge that a reload replaces in the same
/// mode hands its tally to the new one (the old one's last connections still
/// count there); one in another mode counts on top of its predecessor's
/// tally, read live; and a re-exec carries it (<see cref="Capture"/>):
/// counters never go backwards while the daemon lives.
/// </summary>
internal sealed class BridgeTally
{
    private readonly long[] _refused = new long[MetricLabels.ReasonCount];
    private readonly long[] _exits = new long[MetricLabels.OutcomeCount];
    private readonly KeyValuePair<string, object?>[] _labels;
    private readonly SocketBridgeMeter _meter;

    /// <summary>The tally of the bridge of this name a reload replaced in another mode, whose counts these go on from.</summary>
    private readonly BridgeTally? _before;
    private long _accepted;
    private long _launched;
    private long _bytesIn;
    private long _bytesOut;
    private long _connectFailures;
    private long _handoffRestarts;

    /// <param name="mode">The bridge's mode as its label says it (spawn, handoff, forward).</param>
    /// <param name="from">What the previous image counted for the bridge (a re-exec), if anything.</param>
    public BridgeTally(string bridge, string mode, SocketBridgeMeter meter, TallyHandover? from = null)
    {
        Bridge = bridge;
        Mode = mode;
        _meter = meter;
        _labels = [new("bridge", bridge), new("mode", mode)];
        if (from is not null)
        {
            _accepted = from.Accepted;
            _launched = from.Launched;
            _bytesIn = from.BytesIn;
            _bytesOut = from.BytesOut;
            _connectFailures = from.ConnectFailures;
            _handoffRestarts = from.HandoffRestarts;
            Seed(_refused, from.Refused);
            Seed(_exits, from.Exits);
        }
    }

    /// <summary>
    /// A bridge that a reload made in another mode than its predecessor's
    /// (a new series, for its new mode label): its counts start from the
    /// predecessor's and include what the predecessor counts from now on.
    /// A copy taken now would miss the clients the predecessor still
    /// accepts until the new bridge takes over, and its programs' exits, and
    /// the new series would start below the last value the old one showed.
    /// </summary>
    public BridgeTally(string bridge, string mode, SocketBridgeMeter meter, BridgeTally before)
        : this(bridge, mode, meter)
    {
        _before = before;
    }

    public string Bridge { get; }

    public string Mode { get; }

    /// <summary>The labels every series of this bridge carries.</summary>
    public ReadOnlySpan<KeyValuePair<string, object?>> Labels => _labels;

    public long Accepted => Interlocked.Read(ref _accepted) + (_before?.Accepted ?? 0);

    /// <summary>Refusals for every reason.</summary>
    public long Refused
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _refused.Length; i++)
            {
                sum += RefusedFor((RefusalReason)i);
            }

            return sum;
        }
    }

    public long Launched => Interlocked.Read(ref _launched) + (_before?.Launched ?? 0);

    public long BytesIn => Interlocked.Read(ref _bytesIn) + (_before?.BytesIn ?? 0);

    public long BytesOut => Interlocked.Read(ref _bytesOut) + (_before?.BytesOut ?? 0);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures) + (_before?.ConnectFailures ?? 0);

    public long HandoffRestarts => Interlocked.Read(ref _handoffRestarts) + (_before?.HandoffRestarts ?? 0);

    public long RefusedFor(RefusalReason reason) => Interlocked.Read(ref _refused[(int)reason]) + (_before?.RefusedFor(reason) ?? 0);

    public long Exits(ExitOutcome outcome) => Interlocked.Read(ref _exits[(int)outcome]) + (_before?.Exits(outcome) ?? 0);

    public void CountAccepted() => Interlocked.Increment(ref _accepted);

    public void CountRefused(RefusalReason reason) => Interlocked.Increment(ref _refused[(int)reason]);

    /// <summary>A program started; for a handoff bridge, every start after its first is a restart.</summary>
    public void CountLaunched(bool handoff = false)
    {
        if (Interlocked.Increment(ref _launched) > 1 && handoff)
        {
            Interlocked.Increment(ref _handoffRestarts);
        }
    }

    public void CountExit(int? status, int? signal) => Interlocked.Increment(ref _exits[(int)MetricLabels.OutcomeOf(status, signal)]);

    /// <summary>A relay's bytes, once it ended: in from the client, out to it.</summary>
    public void CountForwarded(long bytesIn, long bytesOut)
    {
        Interlocked.Add(ref _bytesIn, bytesIn);
        Interlocked.Add(ref _bytesOut, bytesOut);
    }

    public void CountConnectFailure() => Interlocked.Increment(ref _connectFailures);

    /// <summary>From the accept to the program's exec (the launch returned).</summary>
    public void RecordLaunchLatency(TimeSpan latency)
    {
        if (_meter.LaunchLatency.Enabled)
        {
            _meter.LaunchLatency.Record(latency.TotalSeconds, _labels);
        }
    }

    /// <summary>From the accept to the connection's end.</summary>
    public void RecordDuration(TimeSpan duration)
    {
        if (_meter.ConnectionDuration.Enabled)
        {
            _meter.ConnectionDuration.Record(duration.TotalSeconds, _labels);
        }
    }

    /// <summary>The counts, for the next image (a re-exec).</summary>
    public TallyHandover Capture() => new()
    {
        Accepted = Accepted,
        Refused = [.. _refused.Select((_, i) => RefusedFor((RefusalReason)i))],
        Launched = Launched,
        Exits = [.. _exits.Select((_, i) => Exits((ExitOutcome)i))],
        BytesIn = BytesIn,
        BytesOut = BytesOut,
        ConnectFailures = ConnectFailures,
        HandoffRestarts = HandoffRestarts,
    };

    private static void Seed(long[] counts, IReadOnlyList<long> from)
    {
        for (int i = 0; i < counts.Length && i < from.Count; i++)
        {
            counts[i] = from[i];
        }
    }
}
