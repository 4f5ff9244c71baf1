using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// A forward bridge's bytes in (from its clients) and out (to them) are the
/// bytes that went through it, exactly, whatever path the relay took; and a
/// Target that refuses is a connect failure per client.
/// </summary>
public sealed class ForwardMetricsTests
{
    /// <summary>What the backend answers every client with, whatever it sent: out differs from in.</summary>
    private const int Banner = 777;

    [Fact]
    public async Task Forwarded_bytes_in_and_out_are_the_bytes_each_side_sent()
    {
        // The backend reads the client's bytes to the end, then answers with the banner.
        await using Backend backend = Backend.Tcp(0, async socket =>
        {
            byte[] buffer = new byte[65536];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }

            await socket.SendAsync(new byte[Banner], SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": { "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """);
        int port = await daemon.PortOfAsync("relay");
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        // One byte, a little over one 64 KiB read, and bulk (the relay's splice path).
        int[] sizes = [1, 65536 + 3, 3 * 1024 * 1024 + 5];
        foreach (int size in sizes)
        {
            using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            byte[] data = new byte[size];
            Random.Shared.NextBytes(data);
            await client.SendAsync(data, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(Banner, await Clients.DrainAsync(client, Wait.DefaultTimeout));
        }

        // Bytes are added as a connection ends, as is its duration: wait for the three durations, then count.
        (string, string) relay = ("bridge", "relay");
        MetricsScrape scrape = await metrics.ScrapeUntilAsync(s => s.Find("socketbridge_connection_duration_seconds_count", relay) == sizes.Length, "three connections ended");
        Assert.Equal(sizes.Sum(), scrape.Value("socketbridge_forwarded_bytes_total", relay, ("mode", "forward"), ("direction", "in")));
        Assert.Equal(sizes.Length * Banner, scrape.Value("socketbridge_forwarded_bytes_total", relay, ("mode", "forward"), ("direction", "out")));
        Assert.Equal(sizes.Length, scrape.Value("socketbridge_connections_accepted_total", relay, ("mode", "forward")));
        Assert.Equal(0, scrape.Value("socketbridge_target_connect_failures_total", relay));
        Assert.Equal(0, scrape.Value("socketbridge_programs_launched_total", relay));
        Assert.Equal(0, scrape.Value("socketbridge_connections_active", relay));
        Assert.Null(scrape.Find("socketbridge_launch_latency_seconds_count", relay));
    }

    [Fact]
    public async Task A_Target_that_refuses_is_one_connect_failure_per_client()
    {
        // A port nobody listens on (handed out once per run): connect(2) is refused at once.
        int closed = Ports.Free();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": { "dead": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{closed}}" } } }
            """);
        int port = await daemon.PortOfAsync("dead");
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        for (int i = 0; i < 4; i++)
        {
            using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            Assert.Equal(0, await Clients.DrainAsync(client, Wait.DefaultTimeout));
        }

        (string, string) dead = ("bridge", "dead");
        MetricsScrape scrape = await metrics.ScrapeUntilAsync(s => s.Find("socketbridge_connection_duration_seconds_count", dead) == 4, "four connections ended");
        Assert.Equal(4, scrape.Value("socketbridge_target_connect_failures_total", dead, ("mode", "forward")));
        Assert.Equal(4, scrape.Value("socketbridge_connections_accepted_total", dead));
        Assert.All(scrape.Where("socketbridge_forwarded_bytes_total", dead), b => Assert.Equal(0, b.Value));
    }
}
