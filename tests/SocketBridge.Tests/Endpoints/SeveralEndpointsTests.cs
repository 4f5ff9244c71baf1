using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// A bridge that listens on several endpoints, as a <c>.socket</c> unit with
/// several <c>ListenStream=</c>: one bridge, served on each, with one set of
/// limits, counters and access rules, and a child contract that describes the
/// endpoint each connection came in on.
/// </summary>
public sealed class SeveralEndpointsTests
{
    [Fact]
    public async Task A_spawn_bridge_on_IPv4_IPv6_and_a_unix_socket_serves_all_three_and_tells_the_program_which_one()
    {
        using var dir = new TempDirectory();
        string path = dir["web.sock"];
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "web": {
                "Listen": ["tcp:127.0.0.1:0", "tcp:[::1]:0", "unix:{{path}}"],
                "User": "root", "Exec": ["{{reporter}}"] } } }
            """, dir);
        int v4 = await daemon.PortOfAsync("web"), v6 = await daemon.PortOfAsync("web", 1);

        Dictionary<string, string> onV4 = await ReportedEnvironmentAsync(Clients.ConnectTcpAsync(IPAddress.Loopback, v4));
        Dictionary<string, string> onV6 = await ReportedEnvironmentAsync(Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, v6));
        Dictionary<string, string> onUnix = await ReportedEnvironmentAsync(Clients.ConnectUnixAsync(path));

        Assert.Equal(("inet", "127.0.0.1", v4.ToString(), v4.ToString()), (onV4["PROTO"], onV4["ADDR"], onV4["PORT"], onV4["TCPLOCALPORT"]));
        Assert.Equal(("inet6", "::1", v6.ToString(), "::1"), (onV6["PROTO"], onV6["ADDR"], onV6["PORT"], onV6["REMOTE_ADDR"]));
        Assert.Equal(("unix", path, "0"), (onUnix["PROTO"], onUnix["SOCKET_PATH"], onUnix["REMOTE_UID"]));
        Assert.False(onV4.ContainsKey("SOCKET_PATH"));
        Assert.False(onUnix.ContainsKey("ADDR") || onUnix.ContainsKey("PORT"));
        foreach (Dictionary<string, string> env in (Dictionary<string, string>[])[onV4, onV6, onUnix])
        {
            Assert.Equal(("web", "1", "connection", "3"), (env["SOCKETBRIDGE_BRIDGE"], env["LISTEN_FDS"], env["LISTEN_FDNAMES"], env["UPSTART_FDS"]));
        }

        // One bridge: its three sockets are logged, and status counts the three connections in one row.
        foreach (string listen in (string[])[$"tcp:127.0.0.1:{v4}", $"tcp:[::1]:{v6}", $"unix:{path}"])
        {
            await daemon.WaitForLogAsync($"web: listening on {listen} (spawn");
        }

        await Wait.UntilAsync(async () => Bridge(await StatusAsync(daemon), "web").GetProperty("Total").GetInt64() == 3, "status to count the three connections");
    }

    [Fact]
    public async Task MaxConnections_counts_the_connections_of_every_endpoint_together()
    {
        using var dir = new TempDirectory();
        string path = dir["shared.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "shared": {
                "Listen": ["tcp:127.0.0.1:0", "unix:{{path}}"], "MaxConnections": 2,
                "User": "root", "Exec": ["/bin/cat"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("shared");

        using Socket onTcp = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal("tcp", await LineAsync(onTcp, "tcp"));
        using Socket onUnix = await Clients.ConnectUnixAsync(path);
        Assert.Equal("unix", await LineAsync(onUnix, "unix"));

        // Two programs run, one per endpoint: the third connection is refused on either endpoint.
        using (Socket third = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(third));
        }

        using (Socket fourth = await Clients.ConnectUnixAsync(path))
        {
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(fourth));
        }

        JsonElement shared = Bridge(await StatusAsync(daemon), "shared");
        Assert.Equal((2, 2L, 2L), (shared.GetProperty("Active").GetInt32(), shared.GetProperty("Total").GetInt64(), shared.GetProperty("Refused").GetInt64()));
        Assert.Contains("MaxConnections (2) reached", shared.GetProperty("LastError").GetString());

        // A slot freed on the TCP endpoint serves a client of the Unix one.
        onTcp.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(onTcp));
        await Wait.UntilAsync(async () => Bridge(await StatusAsync(daemon), "shared").GetProperty("Active").GetInt32() == 1, "the TCP connection to end");
        Assert.Equal("after\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path), "after\n"));
        Assert.Equal("still\n", await Clients.ExchangeAsync(onUnix, "still\n"));
    }

    [Fact]
    public async Task Address_lists_judge_the_TCP_clients_and_user_lists_the_unix_clients_of_one_bridge()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string path = dir["mixed.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "mixed": {
                "Listen": ["tcp:127.0.0.1:0", "tcp:[::1]:0", "unix:{{path}}"], "SocketMode": "0666",
                "DenyFrom": ["127.0.0.0/8"], "AllowUsers": ["root"],
                "User": "root", "Exec": ["/bin/sh", "-c", "echo served $PROTO"] } } }
            """, dir);
        int v4 = await daemon.PortOfAsync("mixed"), v6 = await daemon.PortOfAsync("mixed", 1);

        Assert.Equal(string.Empty, await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, v4)));
        Assert.Equal("served inet6\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, v6)));
        Assert.Equal("served unix\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path)));
        string asNobody = $"import os, socket\nos.setgid(65534); os.setuid(65534)\ns = socket.socket(socket.AF_UNIX)\ns.connect('{path}')\nprint(repr(s.recv(100)))";
        Assert.Equal("b''\n", (await Clients.RunProgramAsync(ChildScripts.Python, ["-c", asNobody])).Stdout);

        // Two refusals, one per kind of client (the log summarises refusals that come within a second).
        await daemon.WaitForLogAsync("mixed: refused connection from 127.0.0.1:");
        JsonElement mixed = Bridge(await StatusAsync(daemon), "mixed");
        Assert.Equal((2L, 2L), (mixed.GetProperty("Refused").GetInt64(), mixed.GetProperty("Total").GetInt64()));
    }

    [Fact]
    public async Task A_forward_bridge_relays_from_a_tcp_and_a_unix_endpoint_to_one_target()
    {
        using var dir = new TempDirectory();
        string path = dir["fw.sock"];
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "fw": { "Listen": ["unix:{{path}}", "tcp:127.0.0.1:0"], "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """, dir);
        int port = await daemon.PortOfAsync("fw");

        Assert.Equal("over tcp\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "over tcp\n"));
        Assert.Equal("over unix\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path), "over unix\n"));
        Assert.Equal(2, backend.Accepted);
        await Wait.UntilAsync(async () => Bridge(await StatusAsync(daemon), "fw").GetProperty("Total").GetInt64() == 2, "status to count both connections");
    }

    /// <summary>The environment the reporter program saw, for a connection made by <paramref name="connect"/>.</summary>
    private static async Task<Dictionary<string, string>> ReportedEnvironmentAsync(Task<Socket> connect)
    {
        using Socket client = await connect;
        return ChildScripts.Parse(await Clients.ReadLineAsync(client)).GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    [Fact]
    public async Task Status_shows_one_row_per_bridge_with_all_its_endpoints()
    {
        using var dir = new TempDirectory();
        int v4 = Ports.Free(), v6 = Ports.Free(AddressFamily.InterNetworkV6);
        string path = dir["status.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "multi": { "Listen": ["tcp:127.0.0.1:{{v4}}", "tcp:[::1]:{{v6}}", "unix:{{path}}"], "User": "root", "Exec": ["/bin/cat"] },
                "single": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """, dir);
        int single = await daemon.PortOfAsync("single");
        Assert.Equal("x\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path), "x\n"));
        await Wait.UntilAsync(async () => Bridge(await StatusAsync(daemon), "multi").GetProperty("Active").GetInt32() == 0, "the connection to end");

        JsonElement multi = Bridge(await StatusAsync(daemon), "multi");
        Assert.Equal([$"tcp:127.0.0.1:{v4}", $"tcp:[::1]:{v6}", $"unix:{path}"], multi.GetProperty("Endpoints").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"tcp:127.0.0.1:{v4}, tcp:[::1]:{v6}, unix:{path}", multi.GetProperty("Listen").GetString());
        JsonElement one = Bridge(await StatusAsync(daemon), "single");
        Assert.Equal([$"tcp:127.0.0.1:{single}"], one.GetProperty("Endpoints").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"tcp:127.0.0.1:{single}", one.GetProperty("Listen").GetString());

        CliResult table = await Fixtures.Cli.RunAsync("status", "--control", daemon.ControlSocket);
        Assert.Equal(0, table.ExitCode);
        string[] lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length); // the daemon, the header, one row a bridge, the log
        Assert.Matches("^BRIDGE +LISTEN +MODE +STATE +ACTIVE +TOTAL +REFUSED +LAST ERROR$", lines[1]);
        Assert.Matches($"^multi +tcp:127\\.0\\.0\\.1:{v4}, tcp:\\[::1\\]:{v6}, unix:{System.Text.RegularExpressions.Regex.Escape(path)} +spawn +listening +0 +1 +0 +-$", lines[2]);
        Assert.Matches($"^single +tcp:127\\.0\\.0\\.1:{single} +spawn +listening +0 +0 +0 +-$", lines[3]);
    }

    private static async Task<string> LineAsync(Socket socket, string line)
    {
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        return await Clients.ReadLineAsync(socket);
    }

    private static async Task<JsonElement> StatusAsync(Daemon daemon)
    {
        CliResult result = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    private static JsonElement Bridge(JsonElement status, string name) =>
        status.GetProperty("Bridges").EnumerateArray().Single(b => b.GetProperty("Name").GetString() == name);
}
