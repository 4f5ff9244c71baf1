namespace SocketBridge.Metrics;

/// <summary>
/// One histogram series as the metrics endpoint aggregates it: observations
/// per bucket (each above the previous bound and at most its own; the last
/// above every bound), their sum and count. A short lock per observation:
/// a scrape reads buckets, sum and count that agree.
/// </summary>
internal sealed class HistogramSeries
{
    private readonly Lock _lock = new();
    private readonly double[] _bounds;
    private readonly long[] _buckets;
    private double _sum;
    private long _count;

    public HistogramSeries(string instrument, KeyValuePair<string, object?>[] labels, double[] bounds)
    {
        Instrument = instrument;
        Labels = labels;
        _bounds = bounds;
        _buckets = new long[bounds.Length + 1];
    }

    public string Instrument { get; }

    /// <summary>Its label names and values (strings), as the Meter's tags are.</summary>
    public KeyValuePair<string, object?>[] Labels { get; }

    public void Record(double value)
    {
        // The first bound at or above the value: Prometheus's buckets are "le".
        int bucket = Array.BinarySearch(_bounds, value);
        if (bucket < 0)
        {
            bucket = ~bucket;
        }

        lock (_lock)
        {
            _buckets[bucket]++;
            _sum += value;
            _count++;
        }
    }

    public int BucketCount => _buckets.Length;

    /// <summary>The buckets (not cumulative) into <paramref name="buckets"/>, with the sum and count: one consistent reading, nothing allocated.</summary>
    public void Read(Span<long> buckets, out double sum, out long count)
    {
        lock (_lock)
        {
            _buckets.CopyTo(buckets);
            sum = _sum;
            count = _count;
        }
    }

    /// <summary>The buckets (not cumulative), sum and count, as one consistent reading.</summary>
    public (long[] Buckets, double Sum, long Count) Read()
    {
        lock (_lock)
        {
            return ((long[])_buckets.Clone(), _sum, _count);
        }
    }

    /// <summary>Goes on from what the previous image had (a re-exec); false when its buckets do not match these bounds.</summary>
    public bool Seed(IReadOnlyList<long> buckets, double sum, long count)
    {
        if (buckets.Count != _buckets.Length)
        {
            return false;
        }

        lock (_lock)
        {
            for (int i = 0; i < _buckets.Length; i++)
            {
                _buckets[i] += buckets[i];
            }

            _sum += sum;
            _count += count;
        }

        return true;
    }
}
