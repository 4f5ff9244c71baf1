using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// A <c>tcp:</c> or <c>udp:</c> Listen on port 0: the kernel picks the port
/// when the daemon binds the socket, and everything that shows the port to a
/// user or a program shows that one (the "listening on" line, <c>status</c>,
/// PORT and TCPLOCALPORT), so tests and ad-hoc runs need no free port picked
/// in advance (which something else could take before the daemon binds it).
/// </summary>
public sealed class KernelPortTests
{
    private static async Task<JsonElement> StatusJsonAsync(Daemon daemon)
    {
        CliResult result = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    private static JsonElement Bridge(JsonElement status, string name) =>
        status.GetProperty("Bridges").EnumerateArray().Single(b => b.GetProperty("Name").GetString() == name);

    [Fact]
    public async Task Two_bridges_on_port_0_of_one_address_get_ports_of_their_own_which_the_log_and_status_show()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": {
                "one": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "one"] },
                "two": { "Listen": ["tcp:127.0.0.1:0", "tcp:*:0"], "User": "root", "Exec": ["/bin/echo", "two"] } } }
            """);

        int one = await daemon.PortOfAsync("one"), two = await daemon.PortOfAsync("two"), star = await daemon.PortOfAsync("two", 1);

        Assert.DoesNotContain(0, (int[])[one, two, star]);
        Assert.Equal(3, new HashSet<int>([one, two, star]).Count);
        Assert.Contains(daemon.Logs, l => l.Contains($"two: listening on tcp:[::]:{star} (spawn", StringComparison.Ordinal));
        Assert.Equal("one\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, one)));
        Assert.Equal("two\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, two)));
        Assert.Equal("two\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, star)));

        JsonElement status = await StatusJsonAsync(daemon);
        Assert.Equal($"tcp:127.0.0.1:{one}", Bridge(status, "one").GetProperty("Listen").GetString());
        Assert.Equal($"tcp:127.0.0.1:{two}, tcp:*:{star}", Bridge(status, "two").GetProperty("Listen").GetString());
        Assert.Equal([$"tcp:127.0.0.1:{two}", $"tcp:*:{star}"], Bridge(status, "two").GetProperty("Endpoints").EnumerateArray().Select(e => e.GetString()));
        CliResult table = await Fixtures.Cli.RunAsync("status", "--control", daemon.ControlSocket);
        Assert.Contains($"tcp:127.0.0.1:{one} ", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_spawned_program_gets_the_port_the_kernel_picked_in_PORT_and_TCPLOCALPORT()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "report": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{reporter}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("report");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        JsonElement env = ChildScripts.Parse(await Clients.ReadLineAsync(client)).GetProperty("env");

        Assert.NotEqual(0, port);
        Assert.Equal(port.ToString(), env.GetProperty("PORT").GetString());
        Assert.Equal(port.ToString(), env.GetProperty("TCPLOCALPORT").GetString());
    }

    [Fact]
    public async Task A_reload_keeps_an_unchanged_endpoint_on_port_0_and_its_port_while_a_new_one_gets_another()
    {
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync("""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "v1"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("web");

        dir.Write("config.json", """
            { "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "v2"] },
                "api": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "api"] } } }
            """);
        CliResult reload = await Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
        Assert.True(reload.ExitCode == 0, reload.ToString());

        // The replaced bridge took the socket over: the same port, logged again, shown by status.
        Assert.Equal(port, await daemon.PortOfAsync("web", 1));
        Assert.NotEqual(port, await daemon.PortOfAsync("api"));
        Assert.Equal($"tcp:127.0.0.1:{port}", Bridge(await StatusJsonAsync(daemon), "web").GetProperty("Listen").GetString());
        Assert.Equal("v2\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        Assert.Equal("api\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("api"))));
    }

    [Fact]
    public async Task Check_binds_nothing_so_it_says_port_0_is_chosen_by_the_kernel_at_start()
    {
        using var dir = new TempDirectory();
        string config = dir.Write("config.json", """
            { "Bridges": { "web": { "Listen": ["tcp:127.0.0.1:0", "udp:127.0.0.1:0"], "Mode": "handoff", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("tcp:127.0.0.1:0: 127.0.0.1:0 (port chosen by the kernel at start), TCP/IPv4", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("udp:127.0.0.1:0: 127.0.0.1:0 (port chosen by the kernel at start), UDP/IPv4", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_on_port_0_is_still_refused_nothing_can_connect_to_it()
    {
        using var dir = new TempDirectory();
        string config = dir.Write("config.json", """
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "Mode": "forward", "Target": "tcp:127.0.0.1:0" } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        string line = Assert.Single(result.StderrLines);
        Assert.Contains("Bridges:web:Target: \"tcp:127.0.0.1:0\" has an invalid port \"0\" (1 to 65535)", line, StringComparison.Ordinal);
    }
}
