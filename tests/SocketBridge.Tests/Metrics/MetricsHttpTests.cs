using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// The metrics endpoint as an HTTP/1.1 server: /metrics by GET or HEAD,
/// 404 elsewhere, 405 for other methods, keep-alive; and clients that
/// misbehave (half a head and silence, a head over 8 KiB) do not delay
/// another scraper.
/// </summary>
public sealed class MetricsHttpTests
{
    private const string Config = """
        { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
          "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
        """;

    [Fact]
    public async Task Other_paths_are_404_other_methods_405_and_HEAD_is_the_head_of_a_GET()
    {
        await using Daemon daemon = await Daemon.StartAsync(Config);
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        HttpAnswer missing = await metrics.SendAsync("GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(404, missing.Status);
        Assert.Equal("close", missing.Headers["connection"]);
        Assert.Contains("/metrics", missing.Body, StringComparison.Ordinal);

        HttpAnswer post = await metrics.SendAsync("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(405, post.Status);
        Assert.Equal("GET, HEAD", post.Headers["allow"]);
        Assert.Equal(405, (await metrics.SendAsync("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n")).Status);

        HttpAnswer head = await metrics.SendAsync("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal(200, head.Status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", head.Headers["content-type"]);
        Assert.Equal(string.Empty, head.Body);
        int length = int.Parse(head.Headers["content-length"], System.Globalization.CultureInfo.InvariantCulture);
        MetricsScrape get = await metrics.ScrapeAsync();
        // The same scrape but for the gauges that moved since (descriptors, memory: a few digits).
        Assert.InRange(length, Encoding.UTF8.GetByteCount(get.Text) - 16, Encoding.UTF8.GetByteCount(get.Text) + 16);

        // A query string is no other path; HTTP/1.0 is served and closed.
        Assert.Equal(200, (await metrics.SendAsync("GET /metrics?name[]=x HTTP/1.0\r\n\r\n")).Status);
        Assert.Equal(400, (await metrics.SendAsync("hello\r\n\r\n")).Status);
    }

    [Fact]
    public async Task A_kept_alive_connection_is_answered_request_after_request_pipelined_or_not()
    {
        await using Daemon daemon = await Daemon.StartAsync(Config);
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);
        using Socket client = await metrics.ConnectAsync();

        // Two requests in one write, then a third that closes.
        await client.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        await client.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
        string all = await Clients.ReadToEndAsync(client);
        Assert.Equal(3, all.Split("HTTP/1.1 200 OK\r\n").Length - 1);
        Assert.Equal(2, all.Split("# TYPE socketbridge_connections_accepted_total counter\n").Length - 1);
        Assert.Equal(1, all.Split("Connection: close\r\n").Length - 1);
    }

    [Fact]
    public async Task A_client_stalled_in_its_head_and_one_sending_over_8_KiB_of_head_do_not_delay_another_scrape()
    {
        await using Daemon daemon = await Daemon.StartAsync(Config);
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        // Half a request line, then nothing.
        using Socket stalled = await metrics.ConnectAsync();
        await stalled.SendAsync("GET /metr"u8.ToArray());

        // A head that never ends within 8 KiB: refused with 431 as soon as 8 KiB came.
        using Socket huge = await metrics.ConnectAsync();
        Task<HttpAnswer> refused = Task.Run(async () =>
        {
            await huge.SendAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nX-Padding: " + new string('a', 12 * 1024)));
            return HttpAnswer.Parse(await Clients.ReadToEndAsync(huge));
        });

        // Meanwhile a scraper is answered at once (well within the 10 s the stalled one may take).
        var clock = Stopwatch.StartNew();
        MetricsScrape scrape = await metrics.ScrapeAsync(TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the scrape took {clock.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(0, scrape.Value("socketbridge_connections_accepted_total", ("bridge", "web")));

        HttpAnswer answer = await Wait.ForAsync(refused, "the 431 to the client with a head over 8 KiB");
        Assert.Equal(431, answer.Status);

        // The stalled one is still waiting (not answered yet): it got nothing, and scrapes go on beside it.
        Assert.Equal(0, stalled.Available);
        clock.Restart();
        await metrics.ScrapeAsync(TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the second scrape took {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Sixteen_clients_that_never_finish_their_head_do_not_keep_a_scraper_out_the_longest_waiting_gives_its_place_up()
    {
        await using Daemon daemon = await Daemon.StartAsync(Config);
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        // Every place taken by a client that sends half a request line and nothing more.
        var stalled = new List<Socket>();
        try
        {
            for (int i = 0; i < 16; i++)
            {
                Socket client = await metrics.ConnectAsync();
                stalled.Add(client);
                await client.SendAsync("GET /metr"u8.ToArray());
            }

            // A scraper is answered at once, far within the 10 s the stalled ones may wait:
            // the first of them gave its place up (closed), the others still wait.
            var clock = Stopwatch.StartNew();
            MetricsScrape scrape = await metrics.ScrapeAsync(TimeSpan.FromSeconds(5));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the scrape took {clock.Elapsed.TotalMilliseconds} ms");
            Assert.Equal(0, scrape.Value("socketbridge_connections_accepted_total", ("bridge", "web")));
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(stalled[0], TimeSpan.FromSeconds(5)));
            Assert.Equal(0, stalled[^1].Available);
        }
        finally
        {
            foreach (Socket client in stalled)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_unix_socket_endpoint_is_scraped_with_curl_and_is_open_to_every_local_user()
    {
        using var dir = new TempDirectory();
        string path = dir["run/metrics.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "Metrics": "unix:{{path}}" },
              "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("web");
        await daemon.WaitForLogAsync($"metrics: Prometheus's text format at http://localhost/metrics (unix:{path})");
        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(System.Net.IPAddress.Loopback, port), "hi\n"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite, File.GetUnixFileMode(path));
        (int exit, string body, string errors) = await Clients.RunProgramAsync("/usr/bin/curl", ["--silent", "--show-error", "--fail", "--unix-socket", path, "http://localhost/metrics"]);
        Assert.True(exit == 0, $"curl: exit {exit}: {errors}");
        MetricsScrape scrape = MetricsScrape.Parse(body);
        Assert.Equal(1, scrape.Value("socketbridge_connections_accepted_total", ("bridge", "web"), ("mode", "spawn")));

        // The same through the fixture's own client, over the socket file.
        Assert.Equal(1, (await MetricsEndpoint.Unix(path).ScrapeAsync()).Value("socketbridge_programs_launched_total", ("bridge", "web")));
    }
}
