using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

/// <summary>What a launched program receives (SPEC 5, spawn).</summary>
public sealed class ChildContractTests
{
    private static readonly string[] CommonVariables =
    [
        "PATH", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "UPSTART_EVENTS", "UPSTART_FDS", "UPSTART_JOB",
        "PROTO", "SOCKETBRIDGE_BRIDGE", "SOCKETBRIDGE_CONNECTION_ID",
    ];

    private static readonly string[] TcpVariables =
    [
        "PORT", "ADDR", "REMOTE_ADDR", "REMOTE_PORT", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP", "TCPLOCALPORT",
    ];

    [Fact]
    public async Task A_tcp_program_gets_the_connection_on_fds_0_1_3_and_exactly_the_spec_environment()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "report": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{reporter}}", "wait"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("report");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        JsonElement info = ChildScripts.Parse(await Clients.ReadLineAsync(client));
        var local = (IPEndPoint)client.LocalEndPoint!;
        int pid = info.GetProperty("pid").GetInt32();

        // The descriptors, seen from outside while the program runs, and from inside.
        Assert.Equal([0, 1, 2, 3], ProcFs.OpenDescriptors(pid));
        Assert.Equal([0, 1, 2, 3], info.GetProperty("fds").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([true, true], info.GetProperty("same_socket").EnumerateArray().Select(e => e.GetBoolean()));
        Assert.True(info.GetProperty("blocking").GetBoolean(), "fd 0 must be a blocking descriptor");
        Assert.Equal("socket", info.GetProperty("stderr_kind").GetString()); // StandardError=journal: a socket to the daemon

        // getpeername on fd 0 sees the client.
        Assert.Equal(["127.0.0.1", local.Port.ToString()], info.GetProperty("peer").EnumerateArray().Select(e => e.ToString()));

        // A new session led by the program.
        Assert.Equal(pid, info.GetProperty("sid").GetInt32());
        Assert.Equal(pid, info.GetProperty("pgid").GetInt32());

        Dictionary<string, string> env = Environment(info);
        Assert.Equal(CommonVariables.Concat(TcpVariables).Order(), env.Keys.Order());
        Assert.Equal("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", env["PATH"]);
        Assert.Equal("1", env["LISTEN_FDS"]);
        Assert.Equal(pid.ToString(), env["LISTEN_PID"]);
        Assert.Equal("connection", env["LISTEN_FDNAMES"]);
        Assert.Equal("socket", env["UPSTART_EVENTS"]);
        Assert.Equal("3", env["UPSTART_FDS"]);
        Assert.Equal("report", env["UPSTART_JOB"]);
        Assert.Equal("report", env["SOCKETBRIDGE_BRIDGE"]);
        Assert.Equal("inet", env["PROTO"]);
        Assert.Equal(port.ToString(), env["PORT"]);
        Assert.Equal("127.0.0.1", env["ADDR"]);
        Assert.Equal("127.0.0.1", env["REMOTE_ADDR"]);
        Assert.Equal(local.Port.ToString(), env["REMOTE_PORT"]);
        Assert.Equal("127.0.0.1", env["TCPREMOTEIP"]);
        Assert.Equal(local.Port.ToString(), env["TCPREMOTEPORT"]);
        Assert.Equal("127.0.0.1", env["TCPLOCALIP"]);
        Assert.Equal(port.ToString(), env["TCPLOCALPORT"]);

        // The id in the environment is the one the log shows for this connection.
        client.Shutdown(SocketShutdown.Send);
        await daemon.WaitForLogAsync($"report {env["SOCKETBRIDGE_CONNECTION_ID"]} from 127.0.0.1:{local.Port}: child {pid} exited with status 0");
    }

    [Fact]
    public async Task An_ipv6_client_gets_inet6_variables()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "report6": { "Listen": "tcp:[::1]:0", "User": "root", "Exec": ["{{reporter}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("report6");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, port);
        JsonElement info = ChildScripts.Parse(await Clients.ReadLineAsync(client));
        Dictionary<string, string> env = Environment(info);

        Assert.Equal("AF_INET6", info.GetProperty("family").GetString());
        Assert.Equal("inet6", env["PROTO"]);
        Assert.Equal("::1", env["ADDR"]);
        Assert.Equal("::1", env["REMOTE_ADDR"]);
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port.ToString(), env["REMOTE_PORT"]);
        Assert.Equal("::1", env["TCPLOCALIP"]);
    }

    [Fact]
    public async Task A_dual_stack_listener_serves_ipv4_and_ipv6_clients_with_unmapped_addresses()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "any": { "Listen": "tcp:*:0", "User": "root", "Exec": ["{{reporter}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("any");

        using Socket v4 = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Dictionary<string, string> env4 = Environment(ChildScripts.Parse(await Clients.ReadLineAsync(v4)));
        using Socket v6 = await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, port);
        Dictionary<string, string> env6 = Environment(ChildScripts.Parse(await Clients.ReadLineAsync(v6)));

        Assert.Equal(("inet", "127.0.0.1"), (env4["PROTO"], env4["REMOTE_ADDR"]));
        Assert.Equal(("inet6", "::1"), (env6["PROTO"], env6["REMOTE_ADDR"]));
        Assert.Equal("::", env4["ADDR"]);
    }

    [Fact]
    public async Task A_unix_socket_program_gets_the_peer_credentials()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        string path = dir["report.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "ureport": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["{{reporter}}"] } } }
            """, dir);

        using Socket client = await Clients.ConnectUnixAsync(path);
        JsonElement info = ChildScripts.Parse(await Clients.ReadLineAsync(client));
        Dictionary<string, string> env = Environment(info);

        Assert.Equal(CommonVariables.Concat(["SOCKET_PATH", "REMOTE_UID", "REMOTE_GID", "REMOTE_PID"]).Order(), env.Keys.Order());
        Assert.Equal("unix", env["PROTO"]);
        Assert.Equal(path, env["SOCKET_PATH"]);
        Assert.Equal(LibC.GetUid().ToString(), env["REMOTE_UID"]);
        Assert.Equal(LibC.GetGid().ToString(), env["REMOTE_GID"]);
        Assert.Equal(System.Environment.ProcessId.ToString(), env["REMOTE_PID"]);
        Assert.Equal("AF_UNIX", info.GetProperty("family").GetString());
        Assert.Equal([0, 1, 2, 3], info.GetProperty("fds").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task An_abstract_socket_program_sees_the_at_name()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        string name = "@sbt-" + Guid.NewGuid().ToString("N");
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "abstract": { "Listen": "unix:{{name}}", "User": "root", "Exec": ["{{reporter}}"] } } }
            """, dir);

        using Socket client = await Clients.ConnectUnixAsync("\0" + name[1..]);
        Dictionary<string, string> env = Environment(ChildScripts.Parse(await Clients.ReadLineAsync(client)));

        Assert.Equal(name, env["SOCKET_PATH"]);
    }

    [Fact]
    public async Task Environment_and_PassEnvironment_reach_the_program_and_PATH_can_be_overridden()
    {
        using var dir = new TempDirectory();
        string reporter = ChildScripts.Reporter(dir);
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "envs": {
                "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{reporter}}"],
                "Environment": { "GREETING": "hello world", "PATH": "/usr/bin:/bin" },
                "PassEnvironment": ["SBT_PASSED", "SBT_NOT_SET"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false,
            new Dictionary<string, string> { ["SBT_PASSED"] = "from the daemon", ["SBT_SECRET"] = "must not leak" });
        int port = await daemon.PortOfAsync("envs");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Dictionary<string, string> env = Environment(ChildScripts.Parse(await Clients.ReadLineAsync(client)));

        Assert.Equal("hello world", env["GREETING"]);
        Assert.Equal("/usr/bin:/bin", env["PATH"]);
        Assert.Equal("from the daemon", env["SBT_PASSED"]);
        Assert.False(env.ContainsKey("SBT_NOT_SET"));
        Assert.False(env.ContainsKey("SBT_SECRET"));
        Assert.False(env.ContainsKey("NOTIFY_SOCKET"));
    }

    [Fact]
    public async Task Sd_listen_fds_of_python3_systemd_accepts_the_connection()
    {
        using var dir = new TempDirectory();
        string program = dir.WriteScript("listen_fds.py", """
            #!/usr/bin/python3
            import os, socket
            from systemd import daemon
            fds = daemon.listen_fds()
            s = socket.socket(fileno=fds[0])
            s.sendall(("fds=%s\n" % fds).encode())
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "sdfds": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{program}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("sdfds");

        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.Equal("fds=[3]\n", reply);
    }

    [Fact]
    public async Task The_program_starts_with_default_signal_dispositions_and_an_empty_signal_mask()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "signals": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"] } } }
            """);
        int port = await daemon.PortOfAsync("signals");

        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        // SIGPIPE in particular: the runtime ignores it, a program must not inherit that.
        Assert.Equal("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", reply);
    }

    [Fact]
    public async Task The_program_gets_the_conventional_open_files_limit_not_the_runtimes_raised_one()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "limits": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/sh", "-c", "echo $(ulimit -Sn) $(ulimit -Hn)"] } } }
            """);
        int port = await daemon.PortOfAsync("limits");

        string[] limits = (await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port))).Trim().Split(' ');

        string hard = File.ReadAllLines($"/proc/{daemon.Pid}/limits").Single(l => l.StartsWith("Max open files")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
        Assert.Equal(hard, limits[1]);
        Assert.Equal(Math.Min(1024, long.Parse(hard)).ToString(), limits[0]);
    }

    private static Dictionary<string, string> Environment(JsonElement info) =>
        info.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}
