using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>A TCP port belongs to one daemon: SO_REUSEADDR only, never SO_REUSEPORT, which would let a second one share it silently.</summary>
public sealed class TcpPortTests
{
    [Fact]
    public async Task A_second_daemon_on_the_same_port_fails_to_start_saying_address_in_use_and_the_first_keeps_every_connection()
    {
        string Config(string instance, int port) => $$"""
            { "Bridges": { "svc": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/echo", "instance-{{instance}}"] } } }
            """;

        // The second daemon is given the port the kernel picked for the first.
        await using Daemon first = await Daemon.StartAsync(Config("a", 0));
        int port = await first.PortOfAsync("svc");

        using var dir = new TempDirectory();
        string config = dir.Write("config.json", Config("b", port));
        await using Daemon second = Daemon.Launch(["run", "-c", config], dir, ownsDirectory: false);
        int exit = await second.WaitExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exit == 1, $"the second daemon exited with {exit}:\n{string.Join('\n', second.Logs)}");
        string failure = Assert.Single(second.Logs, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains("bridge svc", failure, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", failure, StringComparison.Ordinal);
        Assert.Contains("address in use", failure, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(second.Notifications, n => n.Contains("READY=1", StringComparison.Ordinal));
        // That one line: nothing about the control socket, which had been bound and was closed.
        Assert.DoesNotContain(second.Logs, l => l.Contains("accept failed", StringComparison.Ordinal));

        // Every connection still reaches the first one: the port was never shared.
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("instance-a\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        }
    }
}
