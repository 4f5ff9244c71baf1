using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Control;

/// <summary><c>socketbridge status</c> (SPEC 2): live counts that match the traffic sent.</summary>
public sealed class StatusTests
{
    private static async Task<JsonElement> StatusJsonAsync(string control)
    {
        CliResult result = await Fixtures.Cli.RunAsync("status", "--json", "--control", control);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    private static async Task<int> ActiveAsync(Daemon daemon) =>
        Bridge(await StatusJsonAsync(daemon.ControlSocket), "counted").GetProperty("Active").GetInt32();

    private static JsonElement Bridge(JsonElement status, string name) =>
        status.GetProperty("Bridges").EnumerateArray().Single(b => b.GetProperty("Name").GetString() == name);

    [Fact]
    public async Task Status_shows_active_total_and_refused_counts_that_match_the_traffic_and_the_last_error()
    {
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "counted": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "MaxConnections": 2 },
                "idle": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:1" } } }
            """, dir);
        int port = await daemon.PortOfAsync("counted");
        int idle = await daemon.PortOfAsync("idle");

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("x\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "x\n"));
            await Wait.UntilAsync(async () => await ActiveAsync(daemon) == 0, "the connection to end");
        }

        using Socket first = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        using Socket second = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await Wait.UntilAsync(() => ProcFs.Children(daemon.Pid).Count == 2, "two programs running");
        using (Socket refused = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(refused));
        }

        JsonElement status = await StatusJsonAsync(daemon.ControlSocket);
        await Wait.UntilAsync(
            async () => (status = await StatusJsonAsync(daemon.ControlSocket)) is var s && Bridge(s, "counted").GetProperty("Total").GetInt64() == 5,
            "status to count five connections");
        JsonElement counted = Bridge(status, "counted");
        Assert.Equal($"tcp:127.0.0.1:{port}", counted.GetProperty("Listen").GetString());
        Assert.Equal("spawn", counted.GetProperty("Mode").GetString());
        Assert.Equal("listening", counted.GetProperty("State").GetString());
        Assert.Equal(2, counted.GetProperty("Active").GetInt32());
        Assert.Equal(5, counted.GetProperty("Total").GetInt64());
        Assert.Equal(1, counted.GetProperty("Refused").GetInt64());
        Assert.Contains("MaxConnections (2) reached", counted.GetProperty("LastError").GetString());
        Assert.Equal(daemon.Pid, status.GetProperty("Pid").GetInt32());

        JsonElement quiet = Bridge(status, "idle");
        Assert.Equal("forward", quiet.GetProperty("Mode").GetString());
        Assert.Equal(0, quiet.GetProperty("Total").GetInt64());
        Assert.Equal(JsonValueKind.Null, quiet.GetProperty("LastError").ValueKind);

        // The table, for people.
        CliResult table = await Fixtures.Cli.RunAsync("status", "--control", daemon.ControlSocket);
        Assert.Equal(0, table.ExitCode);
        string[] lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^BRIDGE +LISTEN +MODE +STATE +ACTIVE +TOTAL +REFUSED +LAST ERROR$", lines[1]);
        Assert.Matches($"^counted +tcp:127.0.0.1:{port} +spawn +listening +2 +5 +1 +.*MaxConnections", lines.Single(l => l.StartsWith("counted")));

        // Connections that end leave the active count.
        first.Shutdown(SocketShutdown.Send);
        second.Shutdown(SocketShutdown.Send);
        await Wait.UntilAsync(async () => await ActiveAsync(daemon) == 0, "the active count to fall to 0");
    }

    [Fact]
    public async Task The_control_socket_is_the_daemons_alone_and_status_finds_it_through_the_configuration()
    {
        using var dir = new TempDirectory();
        string control = dir["ctl/control.sock"];
        string config = dir.Write("config.json", $$"""
            { "SocketBridge": { "ControlSocket": "{{control}}" },
              "Bridges": { "found": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false);

        FileStatus file = Posix.TryLStat(control) ?? throw new InvalidOperationException("no control socket");
        Assert.Equal(0x180u, file.Mode & 0xFFF); // 0600
        Assert.Equal(Posix.EffectiveUid, file.Uid);

        CliResult status = await Fixtures.Cli.RunAsync("status", "-c", config);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("found", status.Stdout);

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Null(Posix.TryLStat(control));
    }

    [Fact]
    public async Task Status_without_a_running_daemon_says_so_and_exits_69()
    {
        using var dir = new TempDirectory();
        CliResult status = await Fixtures.Cli.RunAsync("status", "--control", dir["nobody.sock"]);

        Assert.Equal(69, status.ExitCode);
        Assert.Contains($"cannot reach the daemon at {dir["nobody.sock"]}", status.Stderr);
        Assert.DoesNotContain("   at ", status.Stderr);
    }
}
