using System.Net;
using System.Net.Sockets;
using SocketBridge.Access;
using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Access;

/// <summary>MaxConnectionsPerSource and RateLimit (SPEC 3): a noisy client is held back, others are served, service resumes by itself.</summary>
public sealed class LimitsPerSourceAndRateTests
{
    [Fact]
    public async Task The_per_source_cap_holds_for_one_noisy_client_while_another_client_is_served()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "fair": { "Listen": "tcp:127.0.0.1:0", "MaxConnectionsPerSource": 2,
                "User": "root", "Exec": ["/bin/sh", "-c", "echo hi $REMOTE_ADDR; exec cat"] } } }
            """);
        int port = await daemon.PortOfAsync("fair");

        using Socket first = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        using Socket second = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal("hi 127.0.0.1", await Clients.ReadLineAsync(first));
        Assert.Equal("hi 127.0.0.1", await Clients.ReadLineAsync(second));

        using Socket third = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(third));

        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        await other.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        Assert.Equal("hi 127.0.0.3", await Clients.ReadLineAsync(other));
        await daemon.WaitForLogAsync("MaxConnectionsPerSource (2) reached for 127.0.0.1");

        // When one of the noisy client's connections ends, it may open another.
        first.Shutdown(SocketShutdown.Send);
        await Clients.ReadToEndAsync(first);
        string? greeting = null;
        await Wait.UntilAsync(async () =>
        {
            using Socket again = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            greeting = await Clients.ReadLineAsync(again);
            return greeting.Length > 0;
        }, "the noisy client to be served again once under its cap");
    }

    [Fact]
    public async Task A_burst_beyond_RateLimit_is_refused_and_service_resumes_without_intervention()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "paced": { "Listen": "tcp:127.0.0.1:0", "RateLimit": "30/min", "MaxConnections": 100, "User": "root", "Exec": ["/bin/echo", "ok"] } } }
            """);
        int port = await daemon.PortOfAsync("paced");

        string[] burst = await Task.WhenAll(Enumerable.Range(0, 60).Select(async _ => await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port))));

        int served = burst.Count(r => r == "ok\n");
        Assert.InRange(served, 30, 32); // the burst of 30, and what refilled meanwhile (one every 2 s)
        Assert.Equal(60 - served, burst.Count(r => r.Length == 0));
        await daemon.WaitForLogAsync("RateLimit (30/min) exceeded");

        // The bucket refills by itself: a client is served again.
        await Wait.UntilAsync(
            async () => await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)) == "ok\n",
            "service to resume once the rate falls",
            TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("20/s", 20, 1)]
    [InlineData("100/min", 100, 60)]
    [InlineData("1000/h", 1000, 3600)]
    public void A_rate_is_a_count_per_unit(string text, int count, int seconds)
    {
        Assert.True(RateLimit.TryParse(text, out RateLimit limit, out string error), error);
        Assert.Equal((count, TimeSpan.FromSeconds(seconds)), (limit.Count, limit.Period));
    }

    [Theory]
    [InlineData("20")]
    [InlineData("0/s")]
    [InlineData("-1/s")]
    [InlineData("5/fortnight")]
    [InlineData("/s")]
    public void A_bad_rate_is_refused_with_the_forms_it_takes(string text)
    {
        Assert.False(RateLimit.TryParse(text, out _, out string error));
        Assert.Equal($"\"{text}\" is not a rate (expected a count per unit, as \"20/s\", \"100/min\" or \"1000/h\")", error);
    }

    [Fact]
    public void The_bucket_refuses_when_empty_and_refills_with_time()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(new RateLimit(2, TimeSpan.FromSeconds(1), "2/s"), time);

        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake()); // never more than the burst
    }

    [Fact]
    public void Limits_do_not_apply_where_the_daemon_does_not_accept()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "h": { "Listen": "tcp:127.0.0.1:7001", "Mode": "handoff", "User": "root", "Exec": ["/bin/cat"], "RateLimit": "5/s" } } }
            """));

        Assert.Equal("test.json: Bridges:h:RateLimit: does not apply to handoff mode: the program accepts the connections, not socketbridge", Assert.Single(ex.Errors).ToString());
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += by.Ticks;
    }
}
