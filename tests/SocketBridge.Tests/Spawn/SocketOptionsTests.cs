using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

/// <summary>Backlog, NoDelay and KeepAlive (SPEC 3), as the kernel and the program see them.</summary>
public sealed class SocketOptionsTests
{
    [Fact]
    public async Task By_default_connections_have_TCP_NODELAY_and_no_keepalive()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "defaults": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{reporter}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("defaults");

        JsonElement options = await OptionsAsync(port);

        Assert.True(options.GetProperty("nodelay").GetBoolean());
        Assert.False(options.GetProperty("keepalive").GetBoolean());
    }

    [Fact]
    public async Task KeepAlive_and_NoDelay_apply_to_accepted_connections()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "tuned": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{reporter}}"], "KeepAlive": true, "NoDelay": false } } }
            """, dir);
        int port = await daemon.PortOfAsync("tuned");

        JsonElement options = await OptionsAsync(port);

        Assert.False(options.GetProperty("nodelay").GetBoolean());
        Assert.True(options.GetProperty("keepalive").GetBoolean());
    }

    [Fact]
    public async Task Backlog_is_the_listen_queue_the_kernel_reports()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "queue": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "Backlog": 17 } } }
            """);
        int port = await daemon.PortOfAsync("queue");

        // ss -ltn: for a listening socket, Send-Q is the backlog.
        var (exit, stdout, _) = await Clients.RunProgramAsync("ss", ["-Hltn", $"sport = :{port}"]);

        Assert.Equal(0, exit);
        Assert.Equal("17", stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
    }

    private static async Task<JsonElement> OptionsAsync(int port)
    {
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        return ChildScripts.Parse(await Clients.ReadLineAsync(client)).GetProperty("options");
    }
}
