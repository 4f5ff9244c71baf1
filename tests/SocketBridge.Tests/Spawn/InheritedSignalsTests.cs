using System.Net;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

/// <summary>
/// Whatever signal settings the daemon inherits, it sees its programs exit:
/// started with SIGCHLD ignored (as some supervisors and scripts leave it),
/// the kernel would otherwise reap them itself and no slot would ever be freed.
/// </summary>
public sealed class InheritedSignalsTests
{
    [Fact]
    public async Task Started_with_SIGCHLD_ignored_it_answers_100_connections_logs_every_exit_and_ends_with_none_active()
    {
        using var dir = new TempDirectory();
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "sp": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "pong"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, launcher: ["/usr/bin/env", "--ignore-signal=CHLD"]);
        int port = await daemon.PortOfAsync("sp");

        // More than MaxConnections (64): every slot must be given back.
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal("pong\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        }

        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("exited with status 0", StringComparison.Ordinal)) == 100, "100 exits in the log");
        CliResult status = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        Assert.True(status.ExitCode == 0, status.ToString());
        JsonElement sp = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("Bridges").EnumerateArray().Single();
        Assert.Equal(0, sp.GetProperty("Active").GetInt32());
        Assert.Equal(100, sp.GetProperty("Total").GetInt64());
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("refused", StringComparison.Ordinal));
        Assert.Equal(0, await daemon.StopAsync());
    }
}
