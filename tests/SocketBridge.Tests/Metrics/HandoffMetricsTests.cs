using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>A handoff bridge counts its program's launches, each start after the first as a restart, and each end by outcome.</summary>
public sealed class HandoffMetricsTests
{
    [Fact]
    public async Task A_program_that_serves_one_client_and_exits_is_restarted_once_per_later_client()
    {
        using var dir = new TempDirectory();
        // Accepts one connection from the listening socket on fd 3, answers, and exits 0.
        string once = dir.WriteScript("once.py", """
            #!/usr/bin/python3
            import socket
            listening = socket.socket(fileno=3)
            conn, _ = listening.accept()
            conn.sendall(b"served\n")
            conn.close()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": { "job": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["{{once}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("job");
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);
        (string, string) job = ("bridge", "job");
        (string, string) handoff = ("mode", "handoff");

        // Before any client: nothing launched, nothing restarted.
        MetricsScrape scrape = await metrics.ScrapeAsync();
        Assert.Equal(0, scrape.Value("socketbridge_programs_launched_total", job, handoff));
        Assert.Equal(0, scrape.Value("socketbridge_handoff_restarts_total", job, handoff));

        for (int i = 1; i <= 3; i++)
        {
            Assert.Equal("served\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
            scrape = await metrics.ScrapeUntilAsync(s => s.Value("socketbridge_program_exits_total", job, ("outcome", "status0")) == i, $"launch {i}'s exit");
            Assert.Equal(i, scrape.Value("socketbridge_programs_launched_total", job, handoff));
            Assert.Equal(i - 1, scrape.Value("socketbridge_handoff_restarts_total", job, handoff));
        }

        Assert.Equal(0, scrape.Value("socketbridge_program_exits_total", job, ("outcome", "status_other")));
        Assert.Equal(0, scrape.Value("socketbridge_program_exits_total", job, ("outcome", "signal")));
        Assert.Empty(scrape.Where("socketbridge_forwarded_bytes_total", job));
        Assert.Empty(scrape.Where("socketbridge_target_connect_failures_total", job));
    }
}
