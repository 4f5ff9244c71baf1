using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>Handoff mode: upstart-socket-bridge's start on socket, without its bugs (SPEC 5).</summary>
public sealed class HandoffTests
{
    /// <summary>
    /// Accepts from fd 3 until no connection comes for a while (or after
    /// "max" connections), answering each with its pid, the count and what it
    /// received. Optionally sleeps first, so connections queue before it accepts.
    /// </summary>
    private const string Server = """
        #!/usr/bin/python3
        import json, os, socket, sys, time
        args = dict(a.split("=", 1) for a in sys.argv[1:])
        time.sleep(float(args.get("delay", "0")))
        with open('/proc/self/environ', 'rb') as f:
            env = dict(v.decode().split('=', 1) for v in f.read().split(b'\0') if v)
        fds = []
        for n in os.listdir('/proc/self/fd'):
            try:
                os.fstat(int(n))  # the directory listdir used is closed by now
                fds.append(int(n))
            except OSError:
                pass
        fds.sort()
        stdin = os.readlink('/proc/self/fd/0')
        if args.get("api") == "systemd":
            from systemd import daemon
            listening = socket.socket(fileno=daemon.listen_fds()[0])
        else:
            listening = socket.socket(fileno=3)
        listening.settimeout(float(args.get("idle", "0.5")))
        served = 0
        while served < int(args.get("max", "1000")):
            try:
                conn, _ = listening.accept()
            except socket.timeout:
                break
            served += 1
            conn.settimeout(None)
            conn.sendall((json.dumps({"pid": os.getpid(), "sid": os.getsid(0), "n": served, "env": env, "stdin": stdin, "fds": fds}) + "\n").encode())
            conn.close()
        print("served", served, file=sys.stderr)
        """;

    [Fact]
    public async Task The_program_gets_the_listening_socket_on_fd_3_with_the_upstart_and_systemd_variables()
    {
        using var dir = new TempDirectory();
        string server = dir.WriteScript("server.py", Server);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "job": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["{{server}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("job");

        JsonElement reply = await RequestAsync(IPAddress.Loopback, port);
        Dictionary<string, string> env = reply.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        int pid = reply.GetProperty("pid").GetInt32();

        Assert.Equal(
            ["ADDR", "LISTEN_FDNAMES", "LISTEN_FDS", "LISTEN_PID", "PATH", "PORT", "PROTO", "SOCKETBRIDGE_BRIDGE", "SOCKETBRIDGE_CONNECTION_ID", "UPSTART_EVENTS", "UPSTART_FDS", "UPSTART_JOB"],
            env.Keys.Order());
        Assert.Equal(("1", pid.ToString(), "job"), (env["LISTEN_FDS"], env["LISTEN_PID"], env["LISTEN_FDNAMES"]));
        Assert.Equal(("socket", "3", "job"), (env["UPSTART_EVENTS"], env["UPSTART_FDS"], env["UPSTART_JOB"]));
        Assert.Equal(("inet", port.ToString(), "127.0.0.1"), (env["PROTO"], env["PORT"], env["ADDR"]));
        Assert.Equal("/dev/null", reply.GetProperty("stdin").GetString());
        Assert.Equal([0, 1, 2, 3], reply.GetProperty("fds").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(pid, reply.GetProperty("sid").GetInt32()); // a session of its own, so stop and kill reach its group
        await daemon.WaitForLogAsync($"job {env["SOCKETBRIDGE_CONNECTION_ID"]} child {pid}: served 1");
        await daemon.WaitForLogAsync($"child {pid} exited with status 0");
    }

    [Fact]
    public async Task Three_connections_queued_before_the_program_starts_are_all_served_by_one_launch()
    {
        using var dir = new TempDirectory();
        string server = dir.WriteScript("server.py", Server);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "queued": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["{{server}}", "delay=1"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("queued");

        JsonElement[] replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RequestAsync(IPAddress.Loopback, port)));

        Assert.Single(replies.Select(r => r.GetProperty("pid").GetInt32()).Distinct());
        Assert.Equal([1, 2, 3], replies.Select(r => r.GetProperty("n").GetInt32()).Order());
        Assert.Single(daemon.Logs, l => l.Contains("a connection is pending"));
    }

    [Fact]
    public async Task A_program_that_exits_with_connections_still_queued_is_started_again_at_once()
    {
        using var dir = new TempDirectory();
        string server = dir.WriteScript("server.py", Server);
        // Each launch serves exactly one connection and exits, after a pause that lets the others queue.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "once": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["{{server}}", "delay=0.3", "max=1"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("once");

        JsonElement[] replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RequestAsync(IPAddress.Loopback, port)));

        Assert.Equal(3, replies.Select(r => r.GetProperty("pid").GetInt32()).Distinct().Count());
        Assert.All(replies, r => Assert.Equal(1, r.GetProperty("n").GetInt32()));
        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("exited with status 0") && l.Contains("watching the socket again")) == 3, "three launches to end");
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("starting it again"));
    }

    [Fact]
    public async Task A_program_using_python3_systemd_listen_fds_serves_ipv6_clients()
    {
        using var dir = new TempDirectory();
        string server = dir.WriteScript("server.py", Server);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "six": { "Listen": "tcp:[::1]:0", "Mode": "handoff", "User": "root", "Exec": ["{{server}}", "api=systemd"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("six");

        JsonElement reply = await RequestAsync(IPAddress.IPv6Loopback, port);

        Assert.Equal("inet6", reply.GetProperty("env").GetProperty("PROTO").GetString());
        Assert.Equal("::1", reply.GetProperty("env").GetProperty("ADDR").GetString());
    }

    [Fact]
    public async Task A_unix_socket_job_gets_SOCKET_PATH()
    {
        using var dir = new TempDirectory();
        string path = dir["job.sock"];
        string server = dir.WriteScript("server.py", Server);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "ujob": { "Listen": "unix:{{path}}", "Mode": "handoff", "User": "root", "Exec": ["{{server}}"] } } }
            """, dir);

        using Socket client = await Clients.ConnectUnixAsync(path);
        JsonElement reply = ChildScripts.Parse(await Clients.ReadLineAsync(client));

        Assert.Equal("unix", reply.GetProperty("env").GetProperty("PROTO").GetString());
        Assert.Equal(path, reply.GetProperty("env").GetProperty("SOCKET_PATH").GetString());
    }

    [Fact]
    public async Task A_program_that_fails_at_once_is_not_restarted_in_a_tight_loop()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "broken": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["/bin/false"] } } }
            """);
        int port = await daemon.PortOfAsync("broken");

        using Socket waiting = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("broken ") && l.Contains("exited with status 1") && l.Contains("watching the socket again")) >= 3, "three failed launches");
        string[] logs = daemon.Logs;

        Assert.Contains(logs, l => l.Contains("broken: the program exited with status 1, connections still queued (1 time in a row); starting it again in 00:00:01"));
        DateTime[] launches = logs.Where(l => l.Contains("a connection is pending")).Select(l => DateTime.Parse(l[..23])).ToArray();
        Assert.True(launches[2] - launches[0] >= TimeSpan.FromSeconds(1.9), $"launches too close: {string.Join(", ", launches)}");
    }

    [Fact]
    public async Task A_program_that_exits_0_without_accepting_is_started_again_after_a_pause_that_grows()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "idle": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "Exec": ["/bin/true"], "User": "nobody" } } }
            """);
        int port = await daemon.PortOfAsync("idle");

        // A client left waiting: /bin/true never accepts it, so it stays queued.
        using Socket waiting = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await daemon.WaitForLogAsync("idle: the program exited with status 0 without accepting, connections still queued (3 times in a row); starting it again in 00:00:04");
        string[] logs = daemon.Logs;

        DateTime[] launches = logs.Where(l => l.Contains("idle ") && l.Contains("a connection is pending")).Select(l => DateTime.Parse(l[..23])).ToArray();
        Assert.Equal(3, launches.Length);
        Assert.True(launches[2] - launches[0] >= TimeSpan.FromSeconds(2.9), $"launches too close: {string.Join(", ", launches)}");
        Assert.Contains(logs, l => l.Contains(" WRN idle: the program exited with status 0 without accepting, connections still queued (1 time in a row); starting it again in 00:00:01"));
        Assert.Contains(logs, l => l.Contains(" WRN idle: the program exited with status 0 without accepting, connections still queued (2 times in a row); starting it again in 00:00:02"));
    }

    /// <summary>A Unix listener's queue is told by its clients' inodes, a TCP one's by its connections' cookies.</summary>
    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    public async Task The_pause_ends_once_the_program_accepts_and_a_later_connection_is_served_at_once(string kind)
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // so nobody can run the scripts
        string path = dir["late.sock"];
        string listen = kind == "tcp" ? "tcp:127.0.0.1:0" : $"unix:{path}";
        string server = dir.WriteScript("server.py", Server);
        string ready = dir["ready"];
        // Exits at once without accepting until the file "ready" exists, then serves one connection a launch.
        string program = dir.WriteScript("maybe.sh", $"#!/bin/sh\n[ -e {ready} ] || exit 0\nexec {server} max=1\n");
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "late": { "Listen": "{{listen}}", "Mode": "handoff", "Exec": ["{{program}}"], "User": "nobody" } } }
            """, dir);
        int port = kind == "tcp" ? await daemon.PortOfAsync("late") : 0;
        Task<Socket> Connect() => kind == "tcp" ? Clients.ConnectTcpAsync(IPAddress.Loopback, port) : Clients.ConnectUnixAsync(path);

        using Socket first = await Connect();
        await daemon.WaitForLogAsync("late: the program exited with status 0 without accepting, connections still queued (2 times in a row); starting it again in 00:00:02");
        File.WriteAllText(ready, string.Empty);
        Assert.Equal(1, ChildScripts.Parse(await Clients.ReadLineAsync(first)).GetProperty("n").GetInt32());
        int pauses = daemon.Logs.Count(l => l.Contains("starting it again"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using Socket secondClient = await Connect();
        JsonElement second = ChildScripts.Parse(await Clients.ReadLineAsync(secondClient));

        Assert.Equal(1, second.GetProperty("n").GetInt32());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the second connection waited {clock.Elapsed}");
        Assert.Equal(pauses, daemon.Logs.Count(l => l.Contains("starting it again")));
    }

    private static async Task<JsonElement> RequestAsync(IPAddress address, int port)
    {
        using Socket client = await Clients.ConnectTcpAsync(address, port);
        return ChildScripts.Parse(await Clients.ReadLineAsync(client));
    }
}
