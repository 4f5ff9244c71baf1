using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// A spawn bridge's series count exactly what its clients and programs did:
/// every connection accepted and launched, every program's end by how it
/// ended, both histograms once per connection, the connections open now.
/// </summary>
public sealed class SpawnMetricsTests
{
    private static readonly (string Name, string Value) Exits = ("bridge", "exits");

    [Fact]
    public async Task Accepted_launched_and_exits_by_outcome_match_the_programs_that_ran()
    {
        using var dir = new TempDirectory();
        // Each program reads what to do: exit 0, exit 3, or die by SIGKILL.
        string program = dir.WriteScript("end.sh", """
            #!/bin/sh
            read how
            case "$how" in
              zero) exit 0 ;;
              three) exit 3 ;;
              kill) kill -KILL $$ ;;
            esac
            exit 9
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": { "exits": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{program}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("exits");
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        string[] ends = ["zero", "three", "zero", "kill", "three", "zero", "kill", "zero"];
        foreach (string how in ends)
        {
            Assert.Equal(string.Empty, await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), how + "\n"));
        }

        // A program's end is counted once the daemon reaped it: wait for every connection's duration, then count.
        MetricsScrape scrape = await metrics.ScrapeUntilAsync(
            s => s.Find("socketbridge_connection_duration_seconds_count", Exits) == ends.Length
                && s.Where("socketbridge_program_exits_total", Exits).Sum(e => e.Value) == ends.Length,
            $"{ends.Length} connections ended and {ends.Length} programs reaped");

        (string, string) spawn = ("mode", "spawn");
        Assert.Equal(ends.Length, scrape.Value("socketbridge_connections_accepted_total", Exits, spawn));
        Assert.Equal(ends.Length, scrape.Value("socketbridge_programs_launched_total", Exits, spawn));
        Assert.Equal(4, scrape.Value("socketbridge_program_exits_total", Exits, spawn, ("outcome", "status0")));
        Assert.Equal(2, scrape.Value("socketbridge_program_exits_total", Exits, spawn, ("outcome", "status_other")));
        Assert.Equal(2, scrape.Value("socketbridge_program_exits_total", Exits, spawn, ("outcome", "signal")));
        Assert.Equal(0, scrape.Value("socketbridge_connections_active", Exits, spawn));
        Assert.All(scrape.Where("socketbridge_connections_refused_total", Exits), r => Assert.Equal(0, r.Value));

        // One launch latency per connection, each recorded in the bucket its time falls in: +Inf holds them all.
        Assert.Equal(ends.Length, scrape.Value("socketbridge_launch_latency_seconds_count", Exits, spawn));
        (double Le, double Count)[] buckets = scrape.Buckets("socketbridge_launch_latency_seconds", Exits);
        Assert.Equal([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, double.PositiveInfinity], buckets.Select(b => b.Le));
        Assert.Equal(ends.Length, buckets[^1].Count);
        Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First.Count <= p.Second.Count), "buckets that are not cumulative: " + string.Join(", ", buckets));
        double sum = scrape.Value("socketbridge_launch_latency_seconds_sum", Exits);
        Assert.True(sum > 0 && sum < ends.Length * 2.5, $"launch latencies summing to {sum} s");

        // No forward or handoff series for a spawn bridge.
        Assert.Empty(scrape.Where("socketbridge_forwarded_bytes_total", Exits));
        Assert.Empty(scrape.Where("socketbridge_target_connect_failures_total", Exits));
        Assert.Empty(scrape.Where("socketbridge_handoff_restarts_total", Exits));
    }

    [Fact]
    public async Task Active_connections_are_those_held_open_now()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": { "held": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        int port = await daemon.PortOfAsync("held");
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);
        (string, string) held = ("bridge", "held");

        var open = new List<Socket>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
                open.Add(client);
                await Clients.EchoLineAsync(client, $"client {i}");
            }

            // Every one is served (it echoed), so each is active now.
            MetricsScrape scrape = await metrics.ScrapeAsync();
            Assert.Equal(3, scrape.Value("socketbridge_connections_active", held));
            Assert.Equal(3, scrape.Value("socketbridge_connections_accepted_total", held));
            Assert.Null(scrape.Find("socketbridge_connection_duration_seconds_count", held));

            Assert.Equal(string.Empty, await Clients.ExchangeAsync(open[0]));
            open.RemoveAt(0);
            // A connection's duration is recorded just before its slot is
            // given back: a scrape in between sees it ended and still active.
            scrape = await metrics.ScrapeUntilAsync(
                s => s.Find("socketbridge_connection_duration_seconds_count", held) == 1 && s.Value("socketbridge_connections_active", held) < 3,
                "the first connection's end");
            Assert.Equal(2, scrape.Value("socketbridge_connections_active", held));
        }
        finally
        {
            foreach (Socket client in open)
            {
                client.Dispose();
            }
        }

        MetricsScrape last = await metrics.ScrapeUntilAsync(
            s => s.Find("socketbridge_connection_duration_seconds_count", held) == 3 && s.Value("socketbridge_connections_active", held) < 1,
            "every connection's end");
        Assert.Equal(0, last.Value("socketbridge_connections_active", held));
        Assert.Equal(3, last.Value("socketbridge_programs_launched_total", held));
    }
}
