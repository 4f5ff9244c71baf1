using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Systemd;

/// <summary>sd_notify messages, received on a NOTIFY_SOCKET of the test's own (SPEC 7).</summary>
public sealed class NotifyTests
{
    [Fact]
    public async Task Ready_with_a_status_comes_first_the_status_follows_the_traffic_and_stopping_comes_last()
    {
        int port = Ports.Free();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "one": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"] },
                "two": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Equal("READY=1\nSTATUS=2 bridge(s) listening, 0 active connection(s)", daemon.Notifications[0]);

        using (Socket held = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            await Wait.UntilAsync(() => daemon.Notifications.Contains("STATUS=2 bridge(s) listening, 1 active connection(s)"), "STATUS with one connection");
        }

        await Wait.UntilAsync(() => daemon.Notifications[^1] == "STATUS=2 bridge(s) listening, 0 active connection(s)", "STATUS back to no connection");
        Assert.Equal(0, await daemon.StopAsync());
        Assert.StartsWith("STOPPING=1", daemon.Notifications[^1]);
        Assert.Single(daemon.Notifications, n => n.Contains("READY=1"));
    }

    [Fact]
    public async Task The_watchdog_is_fed_at_half_of_WATCHDOG_USEC()
    {
        using var dir = new TempDirectory();
        dir.Write("config.json", $$"""
            { "Bridges": { "dog": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir["config.json"]], dir, ownsDirectory: false,
            new Dictionary<string, string> { ["WATCHDOG_USEC"] = "200000" });

        await Wait.UntilAsync(() => daemon.Notifications.Count(n => n == "WATCHDOG=1") >= 5, "five WATCHDOG=1 keep-alives");
    }
}
