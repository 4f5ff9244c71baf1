using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A daemon's metrics endpoint (SocketBridge:Metrics), reached as a scraper
/// reaches it: plain HTTP/1.1 over a TCP or Unix socket, one request per
/// connection (Connection: close), read until the daemon closes.
/// </summary>
public sealed class MetricsEndpoint(EndPoint address)
{
    public EndPoint Address { get; } = address;

    /// <summary>The port of a tcp: endpoint, for a Prometheus target or a check that it stayed the same.</summary>
    public int Port => ((IPEndPoint)Address).Port;

    /// <summary>
    /// The tcp: endpoint the daemon logged it serves (port 0 in the
    /// configuration: the port the kernel picked); the <paramref name="index"/>th
    /// such line (a re-exec's image logs one more).
    /// </summary>
    public static async Task<MetricsEndpoint> OfAsync(Daemon daemon, int index = 0)
    {
        var line = new Regex(@"metrics: Prometheus's text format at http://127\.0\.0\.1:(?<port>[0-9]+)/metrics ");
        Match[] found = [];
        await Wait.UntilAsync(
            () => (found = [.. daemon.Logs.Select(l => line.Match(l)).Where(m => m.Success)]).Length > index,
            $"the daemon to log its metrics endpoint; log so far:\n{string.Join('\n', daemon.Logs)}");
        return new MetricsEndpoint(new IPEndPoint(IPAddress.Loopback, int.Parse(found[index].Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    public static MetricsEndpoint Unix(string path) => new(new UnixDomainSocketEndPoint(path));

    /// <summary>A new connection to the endpoint.</summary>
    public async Task<Socket> ConnectAsync()
    {
        var socket = Address is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(Address).WaitAsync(Wait.DefaultTimeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    /// <summary>Sends <paramref name="request"/> as it is on a new connection and reads the answer until the daemon closes.</summary>
    public async Task<HttpAnswer> SendAsync(string request, TimeSpan? timeout = null)
    {
        using Socket socket = await ConnectAsync();
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        return HttpAnswer.Parse(await Clients.ReadToEndAsync(socket, timeout));
    }

    /// <summary>GET /metrics, checked to be a 200 in the Prometheus text format, parsed.</summary>
    public async Task<MetricsScrape> ScrapeAsync(TimeSpan? timeout = null)
    {
        HttpAnswer answer = await SendAsync("GET /metrics HTTP/1.1\r\nHost: socketbridge\r\nConnection: close\r\n\r\n", timeout);
        Assert.True(answer.Status == 200, $"a scrape answered {answer}");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", answer.Headers["content-type"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(answer.Body), int.Parse(answer.Headers["content-length"], System.Globalization.CultureInfo.InvariantCulture));
        return MetricsScrape.Parse(answer.Body);
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds of a scrape, and returns that scrape.</summary>
    public async Task<MetricsScrape> ScrapeUntilAsync(Func<MetricsScrape, bool> condition, string what, TimeSpan? timeout = null)
    {
        MetricsScrape? last = null;
        try
        {
            await WaitUntilAsync(async () => condition(last = await ScrapeAsync()), timeout ?? Wait.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out waiting for a scrape with {what}; the last one:\n{last?.Text}");
        }

        return last!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int delay = 5;
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException();
            }

            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 100);
        }
    }
}
