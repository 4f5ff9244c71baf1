using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// A real Prometheus server, started by the test on a private port and data
/// directory with a 1 s scrape interval, scrapes the daemon; its query API
/// then gives back the counts the test produced, and a launch-latency
/// quantile from histogram_quantile, as a dashboard would ask for them.
/// </summary>
public sealed class PrometheusServerTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_daemon_and_answers_with_the_accepted_and_refused_counts_and_a_latency_quantile()
    {
        await using EveryModeDaemon busy = await EveryModeDaemon.StartAsync();
        await busy.DriveAsync(rounds: 2);
        await using PrometheusServer prometheus = await PrometheusServer.StartAsync(busy.Metrics.Port);

        Assert.Equal(1, await prometheus.WaitForValueAsync("up{job=\"socketbridge\"}", v => v == 1, "the daemon scraped"));
        Assert.Equal(2, await prometheus.WaitForValueAsync("socketbridge_connections_accepted_total{bridge=\"web\",mode=\"spawn\"}", v => v == 2, "2 connections accepted"));
        Assert.Equal(2, await prometheus.WaitForValueAsync("socketbridge_connections_refused_total{bridge=\"guarded\",reason=\"access\"}", v => v == 2, "2 refused for access"));

        // Traffic between two of its scrapes: the buckets' rate is not zero.
        await busy.DriveAsync(rounds: 3);
        Assert.Equal(5, await prometheus.WaitForValueAsync("socketbridge_connections_accepted_total{bridge=\"web\"}", v => v == 5, "5 connections accepted"));
        Assert.Equal(5, await prometheus.WaitForValueAsync("sum(socketbridge_connections_refused_total{bridge=\"guarded\"})", v => v == 5, "5 refusals in all"));
        Dictionary<string, double> byReason = (await prometheus.QueryAsync("sum by (reason) (socketbridge_connections_refused_total{bridge=\"guarded\"})"))
            .ToDictionary(r => r.Labels["reason"], r => r.Value);
        Assert.Equal(new Dictionary<string, double> { ["access"] = 5, ["rate"] = 0, ["per_source"] = 0, ["max"] = 0, ["descriptors"] = 0 }, byReason);
        Assert.Equal(5, await prometheus.WaitForValueAsync("sum(socketbridge_program_exits_total{bridge=\"ends\"})", v => v == 5, "5 exits of the ends bridge's programs"));

        double median = await prometheus.WaitForValueAsync(
            "histogram_quantile(0.5, sum by (le) (rate(socketbridge_launch_latency_seconds_bucket{bridge=\"web\"}[1m])))",
            v => double.IsFinite(v) && v > 0,
            "a finite median launch latency");
        Assert.True(median <= 2.5, $"a median launch latency of {median} s, beyond the largest bound");

        // Over the raw buckets, the median falls in the bucket our own scrape says holds the third of five launches.
        double raw = await prometheus.WaitForValueAsync(
            "histogram_quantile(0.5, sum by (le) (socketbridge_launch_latency_seconds_bucket{bridge=\"web\"}))",
            v => double.IsFinite(v) && v > 0,
            "a finite median over the raw buckets");
        (double Le, double Count)[] buckets = (await busy.Metrics.ScrapeAsync()).Buckets("socketbridge_launch_latency_seconds", ("bridge", "web"));
        int holding = Array.FindIndex(buckets, b => b.Count >= 2.5);
        double lower = holding == 0 ? 0 : buckets[holding - 1].Le;
        Assert.True(raw > lower && raw <= buckets[holding].Le, $"the raw median {raw} s is not in the bucket ({lower}, {buckets[holding].Le}] that holds it: {string.Join(", ", buckets)}");
    }
}
