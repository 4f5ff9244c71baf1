namespace SocketBridge.Metrics;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4, into a
/// <see cref="ScrapeBuffer"/>: per family its HELP and TYPE lines
/// (<see cref="PrometheusFamily"/>), then one line per series,
/// <c>name{label="value",...} value</c>, label values escaped (backslash,
/// double quote, line break); a histogram as cumulative <c>_bucket</c>
/// lines with <c>le</c>, then <c>_sum</c> and <c>_count</c>.
/// </summary>
internal sealed class PrometheusTextWriter(ScrapeBuffer output)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void Family(PrometheusFamily family) => output.Write(family.Header);

    public void Sample(PrometheusFamily family, ReadOnlySpan<KeyValuePair<string, object?>> labels, long value)
    {
        output.Write(family.Name);
        Labels(labels);
        output.Write(' ');
        output.Write(value);
        output.Write('\n');
    }

    public void Sample(PrometheusFamily family, ReadOnlySpan<KeyValuePair<string, object?>> labels, double value)
    {
        output.Write(family.Name);
        Labels(labels);
        output.Write(' ');
        output.Write(value);
        output.Write('\n');
    }

    /// <summary>A histogram series: <paramref name="buckets"/> per bucket, not cumulative, the last above every bound.</summary>
    public void Histogram(PrometheusFamily family, ReadOnlySpan<KeyValuePair<string, string>> labels, ReadOnlySpan<long> buckets, double sum, long count)
    {
        long cumulative = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            cumulative += buckets[i];
            output.Write(family.Name);
            output.Write("_bucket{"u8);
            foreach (KeyValuePair<string, string> label in labels)
            {
                Label(label.Key, label.Value);
                output.Write(',');
            }

            output.Write("le=\""u8);
            output.Write(family.LessOrEqual[i]);
            output.Write("\"} "u8);
            output.Write(cumulative);
            output.Write('\n');
        }

        output.Write(family.Name);
        output.Write("_sum"u8);
        Labels(labels);
        output.Write(' ');
        output.Write(sum);
        output.Write('\n');
        output.Write(family.Name);
        output.Write("_count"u8);
        Labels(labels);
        output.Write(' ');
        output.Write(count);
        output.Write('\n');
    }

    private void Labels(ReadOnlySpan<KeyValuePair<string, object?>> labels)
    {
        if (labels.Length == 0)
        {
            return;
        }

        output.Write('{');
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                output.Write(',');
            }

            Label(labels[i].Key, labels[i].Value as string ?? labels[i].Value?.ToString() ?? string.Empty);
        }

        output.Write('}');
    }

    private void Labels(ReadOnlySpan<KeyValuePair<string, string>> labels)
    {
        if (labels.Length == 0)
        {
            return;
        }

        output.Write('{');
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                output.Write(',');
            }

            Label(labels[i].Key, labels[i].Value);
        }

        output.Write('}');
    }

    private void Label(string name, string value)
    {
        output.Write(name);
        output.Write("=\""u8);
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            output.Write(value);
        }
        else
        {
            foreach (char c in value)
            {
                switch (c)
                {
                    case '\\':
                        output.Write("\\\\"u8);
                        break;
                    case '"':
                        output.Write("\\\""u8);
                        break;
                    case '\n':
                        output.Write("\\n"u8);
                        break;
                    default:
                        output.Write(c.ToString());
                        break;
                }
            }
        }

        output.Write('"');
    }
}
