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
/// instruments are read at each scrape. <see cref="Scrape"/> writes all of
/// it in the Prometheus text format. Exists only when
/// <c>SocketBridge:Metrics</c> is set: without a listener, recording a
/// histogram costs a branch.
/// </summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<Instrument> _instruments = [];
    private readonly ConcurrentDictionary<SeriesKey, HistogramSeries> _histograms = new();

    /// <summary>One scrape at a time: the observations and the text buffer are shared.</summary>
    private readonly Lock _scraping = new();
    private readonly List<(Instrument Instrument, KeyValuePair<string, string>[] Labels, double Value, bool Integral)> _observed = [];
    private readonly StringBuilder _text = new(4096);

    /// <param name="meter">The instruments to read (published already: the carried histograms need their bounds).</param>
    /// <param name="carried">The histograms the previous image had aggregated (a re-exec).</param>
    public MetricsCollector(SocketBridgeMeter meter, IReadOnlyList<HistogramHandover> carried)
    {
        GC.KeepAlive(meter);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SocketBridgeMeter.Name)
            {
                lock (_instruments)
                {
                    _instruments.Add(instrument);
                }

                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Observe(instrument, tags, value, integral: true));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Observe(instrument, tags, value, integral: true));
        _listener.Start();
        foreach (HistogramHandover series in carried)
        {
            Resume(series);
        }
    }

    /// <summary>Everything, in the Prometheus text format, as UTF-8.</summary>
    public byte[] Scrape()
    {
        lock (_scraping)
        {
            _observed.Clear();
            _text.Clear();
            _listener.RecordObservableInstruments();
            var writer = new PrometheusTextWriter(_text);
            foreach (Instrument instrument in Instruments())
            {
                string family = PrometheusNames.Family(instrument);
                string type = PrometheusNames.Type(instrument);
                writer.Family(type == "counter" ? family + "_total" : family, type, instrument.Description);
                if (type == "histogram")
                {
                    WriteHistograms(writer, instrument, family);
                    continue;
                }

                foreach ((Instrument observed, KeyValuePair<string, string>[] labels, double value, bool integral) in _observed)
                {
                    if (!ReferenceEquals(observed, instrument))
                    {
                        continue;
                    }

                    string name = type == "counter" ? family + "_total" : family;
                    if (integral)
                    {
                        writer.Sample(name, labels, (long)value);
                    }
                    else
                    {
                        writer.Sample(name, labels, value);
                    }
                }
            }

            return Encoding.UTF8.GetBytes(_text.ToString());
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
                Labels = [.. series.Labels.SelectMany(l => (string[])[l.Key, l.Value])],
                Buckets = buckets,
                Sum = sum,
                Count = count,
            };
        })];

    public void Dispose() => _listener.Dispose();

    private Instrument[] Instruments()
    {
        lock (_instruments)
        {
            return [.. _instruments];
        }
    }

    private void WriteHistograms(PrometheusTextWriter writer, Instrument instrument, string family)
    {
        foreach (HistogramSeries series in _histograms.Values.Where(s => s.Instrument == instrument.Name).OrderBy(s => string.Join('\0', s.Labels.Select(l => l.Value)), StringComparer.Ordinal))
        {
            (long[] buckets, double sum, long count) = series.Read();
            writer.Histogram(family, series.Labels, series.Bounds, buckets, sum, count);
        }
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument is not Histogram<double> histogram)
        {
            Observe(instrument, tags, value, integral: false);
            return;
        }

        SeriesKey key = SeriesKey.Of(instrument.Name, tags);
        if (!_histograms.TryGetValue(key, out HistogramSeries? series))
        {
            series = _histograms.GetOrAdd(key, new HistogramSeries(instrument.Name, Copy(tags), Bounds(histogram)));
        }

        series.Record(value);
    }

    /// <summary>An observable instrument's reading: only ever during <see cref="Scrape"/>, on its thread, under its lock.</summary>
    private void Observe(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags, double value, bool integral) =>
        _observed.Add((instrument, Copy(tags), value, integral));

    private void Resume(HistogramHandover carried)
    {
        Instrument? instrument = Instruments().FirstOrDefault(i => i.Name == carried.Instrument);
        if (instrument is not Histogram<double> histogram || carried.Labels.Count % 2 != 0)
        {
            return;
        }

        var labels = new KeyValuePair<string, string>[carried.Labels.Count / 2];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = new(carried.Labels[2 * i], carried.Labels[(2 * i) + 1]);
        }

        var series = new HistogramSeries(carried.Instrument, labels, Bounds(histogram));
        if (series.Seed(carried.Buckets, carried.Sum, carried.Count))
        {
            _histograms[SeriesKey.Of(carried.Instrument, labels)] = series;
        }
    }

    private static double[] Bounds(Histogram<double> histogram) => [.. histogram.Advice?.HistogramBucketBoundaries ?? []];

    private static KeyValuePair<string, string>[] Copy(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new KeyValuePair<string, string>[tags.Length];
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

        public static SeriesKey Of(string instrument, KeyValuePair<string, string>[] labels)
        {
            var tags = new KeyValuePair<string, object?>[labels.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                tags[i] = new(labels[i].Key, labels[i].Value);
            }

            return Of(instrument, tags);
        }

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
