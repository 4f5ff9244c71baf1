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
        Series(family.Name, default, labels);
        output.Write(value);
        output.Write('\n');
    }

    public void Sample(PrometheusFamily family, ReadOnlySpan<KeyValuePair<string, object?>> labels, double value)
    {
        Series(family.Name, default, labels);
        output.Write(value);
        output.Write('\n');
    }

    /// <summary>A histogram series: <paramref name="buckets"/> per bucket, not cumulative, the last above every bound.</summary>
    public void Histogram(PrometheusFamily family, ReadOnlySpan<KeyValuePair<string, object?>> labels, ReadOnlySpan<long> buckets, double sum, long count)
    {
        long cumulative = 0;
        for (int i = 0; i < buckets.Length; i++)
        {
            cumulative += buckets[i];
            output.Write(family.Name);
            output.Write("_bucket{"u8);
            foreach (KeyValuePair<string, object?> label in labels)
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

        Series(family.Name, "_sum"u8, labels);
        output.Write(sum);
        output.Write('\n');
        Series(family.Name, "_count"u8, labels);
        output.Write(count);
        output.Write('\n');
    }

    /// <summary>A series' name (with <paramref name="suffix"/>), its labels in braces if any, and the space before its value.</summary>
    private void Series(ReadOnlySpan<byte> name, ReadOnlySpan<byte> suffix, ReadOnlySpan<KeyValuePair<string, object?>> labels)
    {
        output.Write(name);
        output.Write(suffix);
        if (labels.Length > 0)
        {
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

        output.Write(' ');
    }

    private void Label(string name, object? value) => Label(name, value as string ?? value?.ToString() ?? string.Empty);

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
