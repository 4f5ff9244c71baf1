using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>Graceful shutdown (SPEC 7, issue "Operations"): forwarded connections may finish within ShutdownTimeout.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task On_SIGTERM_an_open_forwarded_connection_finishes_its_exchange_and_then_the_daemon_exits()
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "ShutdownTimeout": "30s" },
              "Bridges": { "drain": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """, dir);
        int port = await daemon.PortOfAsync("drain");
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await client.SendAsync(Encoding.UTF8.GetBytes("before\n"));
        Assert.Equal("before", await Clients.ReadLineAsync(client));

        daemon.Signal(LibC.SIGTERM);
        await daemon.WaitForLogAsync("stopped listening");

        // No new connection is accepted, but the open one still flows both ways.
        await Assert.ThrowsAnyAsync<SocketException>(() => Clients.ConnectTcpAsync(IPAddress.Loopback, port));
        await client.SendAsync(Encoding.UTF8.GetBytes("during the drain\n"));
        Assert.Equal("during the drain", await Clients.ReadLineAsync(client));
        Assert.False(daemon.HasExited);

        // When the client is done, the daemon exits at once rather than at the deadline.
        var clock = Stopwatch.StartNew();
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client));
        Assert.Equal(0, await daemon.WaitExitAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the daemon waited {clock.Elapsed} after the last connection ended");
        Assert.Contains(daemon.Logs, l => l.Contains("drain ") && l.Contains("bytes in"));
    }

    [Fact]
    public async Task A_forwarded_connection_still_open_at_ShutdownTimeout_is_closed_and_the_daemon_exits()
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "ShutdownTimeout": "1s" },
              "Bridges": { "cut": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """, dir);
        int port = await daemon.PortOfAsync("cut");
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await client.SendAsync(Encoding.UTF8.GetBytes("hi\n"));
        Assert.Equal("hi", await Clients.ReadLineAsync(client));

        daemon.Signal(LibC.SIGTERM);

        Assert.Equal(0, await daemon.WaitExitAsync());
        await daemon.WaitForLogAsync("still open after");
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client));
    }
}
