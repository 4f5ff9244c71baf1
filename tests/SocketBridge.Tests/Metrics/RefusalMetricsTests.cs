using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// socketbridge_connections_refused_total counts each refusal under its
/// reason, and only there: AllowFrom (access), RateLimit (rate),
/// MaxConnectionsPerSource (per_source), MaxConnections with OnLimit
/// refuse (max). A refused client is not an accepted one.
/// </summary>
public sealed class RefusalMetricsTests
{
    private static readonly string[] Reasons = ["access", "rate", "per_source", "max", "descriptors"];

    [Fact]
    public async Task Each_refusal_is_counted_under_its_own_reason_and_nowhere_else()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": {
                "access": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "AllowFrom": ["10.0.0.0/8"] },
                "rate": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/true"], "RateLimit": "2/h" },
                "per-source": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "MaxConnectionsPerSource": 1 },
                "max": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "MaxConnections": 2, "OnLimit": "refuse" } } }
            """);
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);
        var held = new List<Socket>();
        try
        {
            // access: three clients from 127.0.0.1, which AllowFrom does not list.
            int access = await daemon.PortOfAsync("access");
            for (int i = 0; i < 3; i++)
            {
                await ExpectClosedAsync(access);
            }

            // rate: 2 an hour, with a burst of 2: the first two are served, the next five refused.
            int rate = await daemon.PortOfAsync("rate");
            for (int i = 0; i < 7; i++)
            {
                await ExpectClosedAsync(rate);
            }

            // per_source: one held open from 127.0.0.1, then four more from it.
            int perSource = await daemon.PortOfAsync("per-source");
            held.Add(await ServedAsync(perSource));
            for (int i = 0; i < 4; i++)
            {
                await ExpectClosedAsync(perSource);
            }

            // max: two held open, then six beyond MaxConnections.
            int max = await daemon.PortOfAsync("max");
            held.Add(await ServedAsync(max));
            held.Add(await ServedAsync(max));
            for (int i = 0; i < 6; i++)
            {
                await ExpectClosedAsync(max);
            }

            // A refusal is counted before the client is closed, and each client above was closed: one scrape sees them all.
            MetricsScrape scrape = await metrics.ScrapeAsync();
            AssertRefused(scrape, "access", "access", 3);
            AssertRefused(scrape, "rate", "rate", 5);
            AssertRefused(scrape, "per-source", "per_source", 4);
            AssertRefused(scrape, "max", "max", 6);
            Assert.Equal(0, scrape.Value("socketbridge_connections_accepted_total", ("bridge", "access")));
            Assert.Equal(2, scrape.Value("socketbridge_connections_accepted_total", ("bridge", "rate")));
            Assert.Equal(1, scrape.Value("socketbridge_connections_accepted_total", ("bridge", "per-source")));
            Assert.Equal(2, scrape.Value("socketbridge_connections_accepted_total", ("bridge", "max")));
            Assert.Equal(0, scrape.Value("socketbridge_programs_launched_total", ("bridge", "access")));
            Assert.Equal(1, scrape.Value("socketbridge_connections_active", ("bridge", "per-source")));
            Assert.Equal(2, scrape.Value("socketbridge_connections_active", ("bridge", "max")));
        }
        finally
        {
            foreach (Socket socket in held)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Every reason has a series on every bridge (zero until it happens); the refused count by reason is exactly <paramref name="count"/> for <paramref name="reason"/>, zero for the others.</summary>
    private static void AssertRefused(MetricsScrape scrape, string bridge, string reason, int count)
    {
        foreach (string other in Reasons)
        {
            double value = scrape.Value("socketbridge_connections_refused_total", ("bridge", bridge), ("mode", "spawn"), ("reason", other));
            Assert.True(value == (other == reason ? count : 0), $"bridge {bridge}: refused for {other} is {value}, expected {(other == reason ? count : 0)}");
        }
    }

    /// <summary>A client the bridge closes: EOF (or a reset) with nothing read, the program (if any) having written nothing.</summary>
    private static async Task ExpectClosedAsync(int port)
    {
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal(0, await Clients.DrainAsync(client, Wait.DefaultTimeout));
    }

    private static async Task<Socket> ServedAsync(int port)
    {
        Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await Clients.EchoLineAsync(client, "served");
        return client;
    }
}
