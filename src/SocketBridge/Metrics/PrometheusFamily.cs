using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace SocketBridge.Metrics;

/// <summary>
/// One instrument as a Prometheus family, prepared once when the instrument
/// is published: its name (with <c>_total</c> for a counter), its HELP and
/// TYPE lines, and for a histogram its bounds and their <c>le</c> values.
/// </summary>
internal sealed class PrometheusFamily
{
    private PrometheusFamily(Instrument instrument)
    {
        string family = PrometheusNames.Family(instrument);
        string type = PrometheusNames.Type(instrument);
        string name = type == "counter" ? family + "_total" : family;
        Name = Encoding.UTF8.GetBytes(name);
        Header = Encoding.UTF8.GetBytes($"# HELP {name} {Escape(instrument.Description ?? name)}\n# TYPE {name} {type}\n");
        IsHistogram = type == "histogram";
        Bounds = instrument is Histogram<double> histogram ? [.. histogram.Advice?.HistogramBucketBoundaries ?? []] : [];
        LessOrEqual = [.. Bounds.Select(b => Encoding.UTF8.GetBytes(b.ToString("R", CultureInfo.InvariantCulture))), "+Inf"u8.ToArray()];
    }

    public byte[] Name { get; }

    public byte[] Header { get; }

    public bool IsHistogram { get; }

    public double[] Bounds { get; }

    /// <summary>The <c>le</c> value of each bucket, the last <c>+Inf</c>.</summary>
    public byte[][] LessOrEqual { get; }

    public static PrometheusFamily Of(Instrument instrument) => new(instrument);

    /// <summary>HELP text: a backslash and a line break escaped.</summary>
    private static string Escape(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
