using System.Text;
using SocketBridge.Metrics;

namespace SocketBridge.Tests.Metrics;

/// <summary>The text exposition format's details: escaping, values, cumulative buckets; and the HTTP request heads the endpoint reads.</summary>
[Trait("Category", "Unit")]
public sealed class PrometheusTextWriterTests
{
    private static string Write(Action<PrometheusTextWriter> write)
    {
        using var buffer = new ScrapeBuffer();
        write(new PrometheusTextWriter(buffer));
        return Encoding.UTF8.GetString(buffer.Written.Span);
    }

    private static PrometheusFamily Family(string name, string? unit = null, string? help = null)
    {
        using var meter = new System.Diagnostics.Metrics.Meter("t");
        return PrometheusFamily.Of(meter.CreateCounter<long>(name, unit, help));
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_line_break_and_help_escapes_backslash_and_line_break()
    {
        PrometheusFamily family = Family("t.escaped", null, "a \\ help\nline");
        string text = Write(w =>
        {
            w.Family(family);
            w.Sample(family, [new("bridge", "a\\b\"c\nd")], 7L);
        });

        Assert.Equal(
            "# HELP t_escaped_total a \\\\ help\\nline\n# TYPE t_escaped_total counter\nt_escaped_total{bridge=\"a\\\\b\\\"c\\nd\"} 7\n",
            text);
    }

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1e-5, "1E-05")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Values_are_written_as_Prometheus_reads_them(double value, string expected)
    {
        PrometheusFamily family = Family("t.value");
        Assert.Equal($"t_value_total {expected}\n", Write(w => w.Sample(family, [], value)));
    }

    [Fact]
    public void Units_become_base_unit_suffixes_and_counters_end_in_total()
    {
        Assert.Equal("socketbridge_forwarded_bytes_total", Encoding.UTF8.GetString(Family("socketbridge.forwarded", "By").Name));
        Assert.Equal("socketbridge_x_seconds_total", Encoding.UTF8.GetString(Family("socketbridge.x", "s").Name));
        Assert.Equal("socketbridge_connections_accepted_total", Encoding.UTF8.GetString(Family("socketbridge.connections.accepted", "{connection}").Name));
    }

    [Fact]
    public void A_histogram_writes_cumulative_buckets_ending_in_Inf_then_sum_and_count()
    {
        using var meter = new System.Diagnostics.Metrics.Meter("t");
        PrometheusFamily family = PrometheusFamily.Of(meter.CreateHistogram("t.latency", "s", "h", null, new System.Diagnostics.Metrics.InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] }));
        var series = new HistogramSeries("t.latency", [new("bridge", (object?)"b")], [0.1, 1]);
        foreach (double value in (double[])[0.05, 0.1, 0.5, 3])
        {
            series.Record(value);
        }

        long[] buckets = new long[series.BucketCount];
        series.Read(buckets, out double sum, out long count);
        string text = Write(w => w.Histogram(family, [new("bridge", (object?)"b")], buckets, sum, count));

        Assert.Equal(
            "t_latency_seconds_bucket{bridge=\"b\",le=\"0.1\"} 2\n"
            + "t_latency_seconds_bucket{bridge=\"b\",le=\"1\"} 3\n"
            + "t_latency_seconds_bucket{bridge=\"b\",le=\"+Inf\"} 4\n"
            + "t_latency_seconds_sum{bridge=\"b\"} 3.65\n"
            + "t_latency_seconds_count{bridge=\"b\"} 4\n",
            text);
    }

    [Theory]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", true, "GET", "/metrics", true, false)]
    [InlineData("GET /metrics?x=1 HTTP/1.0\r\n\r\n", true, "GET", "/metrics", false, false)]
    [InlineData("GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, "GET", "/metrics", true, false)]
    [InlineData("HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", true, "HEAD", "/metrics", false, false)]
    [InlineData("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n", true, "POST", "/metrics", true, true)]
    [InlineData("GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", true, "GET", "/metrics", true, true)]
    [InlineData("GET metrics HTTP/1.1\r\n\r\n", false, "", "", false, false)]
    [InlineData("GET /metrics SPDY/3\r\n\r\n", false, "", "", false, false)]
    [InlineData("\u0016\u0003\u0001 hello\r\n\r\n", false, "", "", false, false)]
    public void Request_heads_are_read_for_method_path_keep_alive_and_body(string head, bool valid, string method, string path, bool keepAlive, bool hasBody)
    {
        HttpRequestHead request = HttpRequestHead.Parse(Encoding.Latin1.GetBytes(head));

        Assert.Equal((valid, method, path, keepAlive, hasBody), (request.Valid, request.Method, request.Path, request.KeepAlive, request.HasBody));
    }
}
