using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

/// <summary>MaxConnections and reaping (SPEC 3, 5).</summary>
public sealed class LimitsTests
{
    [Fact]
    public async Task At_MaxConnections_a_new_client_is_refused_at_once_while_the_others_are_served()
    {
        using var dir = new TempDirectory();
        // Each program says hello and then holds its connection until the client closes it.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "limited": { "Listen": "tcp:127.0.0.1:0", "MaxConnections": 2,
                "User": "root", "Exec": ["/bin/sh", "-c", "echo hello $SOCKETBRIDGE_CONNECTION_ID; exec cat"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("limited");

        using Socket first = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        using Socket second = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.StartsWith("hello", await Clients.ReadLineAsync(first));
        Assert.StartsWith("hello", await Clients.ReadLineAsync(second));

        // The third is closed at once, with nothing launched for it.
        using Socket third = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(third, TimeSpan.FromSeconds(10)));
        await daemon.WaitForLogAsync("limited: refused connection from 127.0.0.1:" + ((IPEndPoint)third.LocalEndPoint!).Port + ": MaxConnections (2) reached");

        // The two served connections still work.
        await first.SendAsync("still here\n"u8.ToArray());
        Assert.Equal("still here", await Clients.ReadLineAsync(first));

        // A slot frees when a program ends, and accepting went on all along.
        first.Shutdown(SocketShutdown.Send);
        await Clients.ReadToEndAsync(first);
        await daemon.WaitForLogAsync(l => l.Contains("limited ") && l.Contains("exited with status 0"), "the first connection's end");
        string? greeting = null;
        await Wait.UntilAsync(async () =>
        {
            using Socket fourth = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            greeting = await Clients.ReadLineAsync(fourth);
            return greeting.StartsWith("hello", StringComparison.Ordinal);
        }, "a new client to be served once a slot is free");
    }

    [Fact]
    public async Task No_zombie_is_left_after_500_connections()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "many": { "Listen": "tcp:127.0.0.1:0", "MaxConnections": 500, "User": "root", "Exec": ["/bin/echo", "ok"] } } }
            """);
        int port = await daemon.PortOfAsync("many");

        const int Total = 500;
        int served = 0;
        await Parallel.ForAsync(0, Total, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));
            if (reply == "ok\n")
            {
                Interlocked.Increment(ref served);
            }
        });

        Assert.Equal(Total, served);
        // The 500th connection accepted need not be the last to end: wait for every end.
        int Ended() => daemon.Logs.Count(l => l.Contains("many ") && l.Contains("exited with status 0"));
        await Wait.UntilAsync(() => Ended() >= Total, "every connection's end to be logged");
        await Wait.UntilAsync(() => ProcFs.Children(daemon.Pid).Count == 0, "every child to be reaped");
        Assert.DoesNotContain(ProcFs.Children(daemon.Pid), c => c.State == 'Z');
        Assert.Equal(Total, Ended());
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task A_program_that_cannot_start_is_logged_and_the_bridge_keeps_serving()
    {
        using var dir = new TempDirectory();
        string program = dir.WriteScript("vanishing.sh", "#!/bin/sh\necho ok\n");
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "vanish": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{program}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("vanish");
        Assert.Equal("ok\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));

        File.Delete(program);
        Assert.Equal(string.Empty, await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        await daemon.WaitForLogAsync($"cannot launch {program}: execve({program}): No such file or directory");

        dir.WriteScript("vanishing.sh", "#!/bin/sh\necho back\n");
        Assert.Equal("back\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        Assert.False(daemon.HasExited);
    }
}
