using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using SocketBridge.Handover;

namespace SocketBridge.Metrics;

/// <summary>
/// The metrics endpoint's reader of the <see cref="SocketBridgeMeter"/>: a
/// <see cref="MeterListener"/>, the Meter API's own way in, as any exporter
/// would use. Histogram observations are aggregated as they are recorded,
/// per series (instrument and label values), for the daemon's life, so a
/// reload that replaces a bridge does not reset them; observable
/// instruments are read at each scrape and written as they come, straight
/// into the scrape's buffer (<see cref="Scrape"/>): no copy of a label, no
/// text in between. Exists only when <c>SocketBridge:Metrics</c> is set:
/// without a listener, recording a histogram costs a branch. A histogram
/// series whose bridge is gone (removed by a reload, or moved to another
/// mode) leaves the scrape with that bridge's counters: the bridges a scrape
/// sees are those the accepted counter reports.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();

    /// <summary>The instruments in the order they were published, each as its family.</summary>
    private readonly List<(Instrument Instrument, PrometheusFamily Family)> _families = [];
    private readonly ConcurrentDictionary<SeriesKey, HistogramSeries> _histograms = new();

    /// <summary>The (bridge, mode) label values the scrape under way has seen in the accepted counter.</summary>
    private readonly HashSet<(string? Bridge, string? Mode)> _liveBridges = [];

    /// <summary>One scrape at a time: the observable instruments write into its writer.</summary>
    private readonly Lock _scraping = new();
    private PrometheusTextWriter? _writer;
    private Instrument? _written;
    private long[] _buckets = new long[32];

    /// <param name="meter">The instruments to read (published already: the carried histograms need their bounds).</param>
    /// <param name="carried">The histograms the previous image had aggregated (a re-exec).</param>
    public MetricsCollector(SocketBridgeMeter meter, IReadOnlyList<HistogramHandover> carried)
    {
        GC.KeepAlive(meter);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SocketBridgeMeter.Name)
            {
                lock (_families)
                {
                    _families.Add((instrument, PrometheusFamily.Of(instrument)));
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>(OnCount);
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => _writer?.Sample(Start(instrument), tags, (long)value));
        _listener.Start();
        foreach (HistogramHandover series in carried)
        {
            Resume(series);
        }
    }

    /// <summary>Everything, in the Prometheus text format, into <paramref name="output"/>.</summary>
    public void Scrape(ScrapeBuffer output)
    {
        lock (_scraping)
        {
            _writer = new PrometheusTextWriter(output);
            _written = null;
            _liveBridges.Clear();
            try
            {
                _listener.RecordObservableInstruments();
                foreach ((Instrument instrument, PrometheusFamily family) in Families())
                {
                    if (family.IsHistogram)
                    {
                        WriteHistograms(_writer, instrument.Name, family);
                    }
                }
            }
            finally
            {
                _writer = null;
            }
        }
    }

    /// <summary>The histograms, for the next image (a re-exec).</summary>
    public IReadOnlyList<HistogramHandover> Capture() =>
        [.. _histograms.Values.Select(series =>
        {
            (long[] buckets, double sum, long count) = series.Read();
            return new HistogramHandover
            {
                Instrument = series.Instrument,
                Labels = [.. series.Labels.SelectMany(l => (string[])[l.Key, l.Value as string ?? string.Empty])],
                Buckets = buckets,
                Sum = sum,
                Count = count,
            };
        })];

    public void Dispose() => _listener.Dispose();

    private (Instrument Instrument, PrometheusFamily Family)[] Families()
    {
        lock (_families)
        {
            return [.. _families];
        }
    }

    /// <summary>The family of an observable instrument's measurement, its HELP and TYPE written before its first series.</summary>
    private PrometheusFamily Start(Instrument instrument)
    {
        PrometheusFamily family = FamilyOf(instrument);
        if (!ReferenceEquals(instrument, _written))
        {
            _written = instrument;
            _writer!.Family(family);
        }

        return family;
    }

    private PrometheusFamily FamilyOf(Instrument instrument)
    {
        lock (_families)
        {
            foreach ((Instrument published, PrometheusFamily family) in _families)
            {
                if (ReferenceEquals(published, instrument))
                {
                    return family;
                }
            }
        }

        throw new InvalidOperationException($"instrument {instrument.Name} was not published to the metrics collector");
    }

    private void WriteHistograms(PrometheusTextWriter writer, string instrument, PrometheusFamily family)
    {
        bool headed = false;
        foreach (HistogramSeries series in _histograms.Values)
        {
            if (series.Instrument != instrument)
            {
                continue;
            }

            if (!_liveBridges.Contains(BridgeOf(series.Labels)))
            {
                // Gone with its bridge; a connection it still drains may
                // record into it again, and it leaves again at the next scrape.
                _histograms.TryRemove(new KeyValuePair<SeriesKey, HistogramSeries>(SeriesKey.Of(series.Instrument, (ReadOnlySpan<KeyValuePair<string, object?>>)series.Labels), series));
                continue;
            }

            if (!headed)
            {
                writer.Family(family);
                headed = true;
            }

            if (_buckets.Length < series.BucketCount)
            {
                _buckets = new long[series.BucketCount];
            }

            Span<long> buckets = _buckets.AsSpan(0, series.BucketCount);
            series.Read(buckets, out double sum, out long count);
            writer.Histogram(family, series.Labels, buckets, sum, count);
        }
    }

    private static (string? Bridge, string? Mode) BridgeOf(ReadOnlySpan<KeyValuePair<string, object?>> labels) =>
        labels.Length >= 2 ? (labels[0].Value as string, labels[1].Value as string) : (null, null);

    private void OnCount(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (_writer is null)
        {
            return;
        }

        if (instrument.Name == SocketBridgeMeter.AcceptedInstrument)
        {
            _liveBridges.Add(BridgeOf(tags));
        }

        _writer.Sample(Start(instrument), tags, value);
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument is not Histogram<double> histogram)
        {
            _writer?.Sample(Start(instrument), tags, value);
            return;
        }

        SeriesKey key = SeriesKey.Of(instrument.Name, tags);
        if (!_histograms.TryGetValue(key, out HistogramSeries? series))
        {
            series = _histograms.GetOrAdd(key, new HistogramSeries(instrument.Name, Copy(tags), Bounds(histogram)));
        }

        series.Record(value);
    }

    private void Resume(HistogramHandover carried)
    {
        Instrument? instrument = Families().Select(f => f.Instrument).FirstOrDefault(i => i.Name == carried.Instrument);
        if (instrument is not Histogram<double> histogram || carried.Labels.Count % 2 != 0)
        {
            return;
        }

        var labels = new KeyValuePair<string, object?>[carried.Labels.Count / 2];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = new(carried.Labels[2 * i], carried.Labels[(2 * i) + 1]);
        }

        var series = new HistogramSeries(carried.Instrument, labels, Bounds(histogram));
        if (series.Seed(carried.Buckets, carried.Sum, carried.Count))
        {
            _histograms[SeriesKey.Of(carried.Instrument, (ReadOnlySpan<KeyValuePair<string, object?>>)labels)] = series;
        }
    }

    private static double[] Bounds(Histogram<double> histogram) => [.. histogram.Advice?.HistogramBucketBoundaries ?? []];

    private static KeyValuePair<string, object?>[] Copy(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new KeyValuePair<string, object?>[tags.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            labels[i] = new(tags[i].Key, tags[i].Value?.ToString() ?? string.Empty);
        }

        return labels;
    }

    /// <summary>
    /// A histogram series' identity. The daemon's histograms carry two labels
    /// (bridge and mode), which make the key without an allocation; any more
    /// are joined into the second.
    /// </summary>
    private readonly record struct SeriesKey(string Instrument, string? First, string? Second)
    {
        public static SeriesKey Of(string instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length switch
        {
            0 => new(instrument, null, null),
            1 => new(instrument, tags[0].Value as string, null),
            2 => new(instrument, tags[0].Value as string, tags[1].Value as string),
            _ => new(instrument, tags[0].Value as string, Join(tags[1..])),
        };

        private static string Join(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var joined = new StringBuilder();
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                joined.Append(tag.Value).Append('\0');
            }

            return joined.ToString();
        }
    }
}
