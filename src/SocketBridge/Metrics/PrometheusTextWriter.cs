using System.Globalization;
using System.Text;

namespace SocketBridge.Metrics;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4: per family a HELP
/// and a TYPE line, then one line per series, <c>name{label="value",...} value</c>,
/// label values escaped (backslash, double quote, newline); a histogram as
/// cumulative <c>_bucket</c> lines with <c>le</c>, then <c>_sum</c> and <c>_count</c>.
/// </summary>
internal sealed class PrometheusTextWriter(StringBuilder output)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void Family(string name, string type, string? help)
    {
        output.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(help ?? name, label: false);
        output.Append('\n');
        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, ReadOnlySpan<KeyValuePair<string, string>> labels, double value)
    {
        output.Append(name);
        Labels(labels, null, null);
        output.Append(' ');
        AppendValue(value);
        output.Append('\n');
    }

    public void Sample(string name, ReadOnlySpan<KeyValuePair<string, string>> labels, long value)
    {
        output.Append(name);
        Labels(labels, null, null);
        output.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>A histogram series: <paramref name="buckets"/> per bucket, not cumulative, the last above every bound.</summary>
    public void Histogram(string name, ReadOnlySpan<KeyValuePair<string, string>> labels, ReadOnlySpan<double> bounds, long[] buckets, double sum, long count)
    {
        long cumulative = 0;
        for (int i = 0; i <= bounds.Length; i++)
        {
            cumulative += buckets[i];
            output.Append(name).Append("_bucket");
            Labels(labels, "le", i < bounds.Length ? Format(bounds[i]) : "+Inf");
            output.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        output.Append(name).Append("_sum");
        Labels(labels, null, null);
        output.Append(' ');
        AppendValue(sum);
        output.Append('\n');
        output.Append(name).Append("_count");
        Labels(labels, null, null);
        output.Append(' ').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private void Labels(ReadOnlySpan<KeyValuePair<string, string>> labels, string? extraName, string? extraValue)
    {
        if (labels.Length == 0 && extraName is null)
        {
            return;
        }

        output.Append('{');
        bool first = true;
        foreach (KeyValuePair<string, string> label in labels)
        {
            Label(label.Key, label.Value, ref first);
        }

        if (extraName is not null)
        {
            Label(extraName, extraValue!, ref first);
        }

        output.Append('}');
    }

    private void Label(string name, string value, ref bool first)
    {
        if (!first)
        {
            output.Append(',');
        }

        first = false;
        output.Append(name).Append("=\"");
        AppendEscaped(value, label: true);
        output.Append('"');
    }

    private void AppendEscaped(string text, bool label)
    {
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\':
                    output.Append("\\\\");
                    break;
                case '\n':
                    output.Append("\\n");
                    break;
                case '"' when label:
                    output.Append("\\\"");
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }
    }

    private void AppendValue(double value) => output.Append(Format(value));

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
