using System.Net;
using SocketBridge.Tests.Fixtures;
using SocketBridge.Tests.Reexec;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// A re-exec is an upgrade, not a restart: the new image goes on with the
/// counters and the histograms where the old one was, on the same metrics
/// socket (same port), and counts the re-exec.
/// </summary>
public sealed class MetricsReexecTests
{
    [Fact]
    public async Task A_reexec_keeps_the_counters_the_histograms_the_start_time_and_the_metrics_port()
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string config = dir.Write("config.json", $$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "AllowFrom": ["127.0.0.1"] } } }
            """);
        await using Daemon daemon = await ReexecDriver.StartAsync(dir, config);
        int web = await daemon.PortOfAsync("web");
        int relay = await daemon.PortOfAsync("relay");
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);
        (string, string) onWeb = ("bridge", "web");
        (string, string) onRelay = ("bridge", "relay");

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, web), "hi\n"));
            Assert.Equal("12345\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, relay), "12345\n"));
        }

        MetricsScrape before = await metrics.ScrapeUntilAsync(
            s => s.Find("socketbridge_connection_duration_seconds_count", onWeb) == 4 && s.Find("socketbridge_connection_duration_seconds_count", onRelay) == 4
                && s.Where("socketbridge_program_exits_total", onWeb).Sum(e => e.Value) == 4,
            "every connection ended");

        CliResult reexec = await ReexecDriver.CommandAsync(daemon);
        Assert.True(reexec.ExitCode == 0, reexec.ToString());

        // The new image logs the endpoint it took over: the same port, the same socket.
        MetricsEndpoint carried = await MetricsEndpoint.OfAsync(daemon, index: 1);
        Assert.Equal(metrics.Port, carried.Port);
        MetricsScrape after = await metrics.ScrapeAsync();

        foreach (MetricSample sample in before.Samples.Where(s => s.Name.EndsWith("_total", StringComparison.Ordinal) && !s.Name.StartsWith("socketbridge_reexecs", StringComparison.Ordinal)))
        {
            Assert.True(after.Find(sample.Name, [.. sample.Labels.Select(l => (l.Key, l.Value))]) == sample.Value, $"{sample} before the re-exec, {after.Find(sample.Name, [.. sample.Labels.Select(l => (l.Key, l.Value))])} after");
        }

        foreach (string histogram in (string[])["socketbridge_launch_latency_seconds", "socketbridge_connection_duration_seconds"])
        {
            foreach (MetricSample sample in before.Samples.Where(s => s.Name.StartsWith(histogram, StringComparison.Ordinal)))
            {
                Assert.True(after.Find(sample.Name, [.. sample.Labels.Select(l => (l.Key, l.Value))]) == sample.Value, $"{sample} before the re-exec, not after:\n{after.Text}");
            }
        }

        Assert.Equal(4, after.Value("socketbridge_connections_accepted_total", onWeb));
        Assert.Equal(4, after.Value("socketbridge_launch_latency_seconds_count", onWeb));
        Assert.Equal(4 * 6, after.Value("socketbridge_forwarded_bytes_total", onRelay, ("direction", "in")));
        Assert.Equal(1, after.Value("socketbridge_reexecs_total", ("outcome", "success")));
        Assert.Equal(before.Value("socketbridge_start_time_seconds"), after.Value("socketbridge_start_time_seconds"));

        // And it goes on counting from there.
        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, web), "hi\n"));
        MetricsScrape later = await metrics.ScrapeUntilAsync(s => s.Find("socketbridge_launch_latency_seconds_count", onWeb) == 5, "the fifth launch");
        Assert.Equal(5, later.Value("socketbridge_connections_accepted_total", onWeb));
    }
}
