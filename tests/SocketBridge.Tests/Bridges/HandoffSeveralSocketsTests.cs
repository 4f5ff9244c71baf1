using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// A handoff bridge with several endpoints, as systemd starts the service of
/// a socket unit with several <c>ListenStream=</c> (<c>Accept=no</c>): one
/// program gets every socket, in order, from fd 3 on, named after the bridge.
/// </summary>
public sealed class HandoffSeveralSocketsTests
{
    /// <summary>
    /// Finds its sockets with python3-systemd (sd_listen_fds_with_names,
    /// sd_is_socket_inet, sd_is_socket_unix), serves "max" connections on
    /// whichever socket they arrive, answering each with what it found and
    /// the descriptor the connection came through, then exits.
    /// </summary>
    private const string Server = """
        #!/usr/bin/python3
        import json, os, select, socket, sys
        from systemd import daemon
        args = dict(a.split("=", 1) for a in sys.argv[1:])
        with open('/proc/self/environ', 'rb') as f:
            env = dict(v.decode().split('=', 1) for v in f.read().split(b'\0') if v)
        named = daemon.listen_fds_with_names()
        def kind(fd):
            if daemon.is_socket_inet(fd, socket.AF_INET, socket.SOCK_STREAM, 1):
                return "inet"
            if daemon.is_socket_inet(fd, socket.AF_INET6, socket.SOCK_STREAM, 1):
                return "inet6"
            if daemon.is_socket_unix(fd, socket.SOCK_STREAM, 1):
                return "unix"
            return "other"
        found = {str(fd): {"name": name, "kind": kind(fd)} for fd, name in named.items()}
        if "path" in args:
            found["path_matches"] = [daemon.is_socket_unix(fd, socket.SOCK_STREAM, 1, args["path"]) for fd in sorted(named)]
        if "port" in args:
            found["port_matches"] = [daemon.is_socket_inet(fd, socket.AF_UNSPEC, socket.SOCK_STREAM, 1, int(args["port"])) for fd in sorted(named)]
        open_fds = []
        for n in os.listdir('/proc/self/fd'):
            try:
                os.fstat(int(n))  # the directory listdir used is closed by now
                open_fds.append(int(n))
            except OSError:
                pass
        listening = [socket.socket(fileno=fd) for fd in sorted(named)]
        served = 0
        while served < int(args.get("max", "1")):
            ready, _, _ = select.select(listening, [], [])
            for s in ready:
                conn, _ = s.accept()
                served += 1
                reply = {"pid": os.getpid(), "fd": s.fileno(), "found": found, "env": env, "fds": sorted(open_fds)}
                conn.sendall((json.dumps(reply) + "\n").encode())
                conn.close()
        print("served", served, file=sys.stderr)
        """;

    [Fact]
    public async Task The_program_gets_every_socket_in_order_from_fd_3_named_after_the_bridge()
    {
        using var dir = new TempDirectory();
        int v4 = Ports.Free(), v6 = Ports.Free(AddressFamily.InterNetworkV6);
        string path = dir["web.sock"];
        string server = dir.WriteScript("server.py", Server);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "web": {
                "Listen": ["tcp:127.0.0.1:{{v4}}", "tcp:[::1]:{{v6}}", "unix:{{path}}"], "Mode": "handoff",
                "User": "root", "Exec": ["{{server}}", "max=3", "path={{path}}", "port={{v6}}"] } } }
            """, dir);

        // The Unix client alone starts the program: a connection pending on any socket does.
        JsonElement onUnix = await RequestAsync(Clients.ConnectUnixAsync(path));
        await daemon.WaitForLogAsync($"a connection is pending on unix:{path}; launched child {onUnix.GetProperty("pid").GetInt32()} with its 3 listening sockets");
        JsonElement[] onTcp = await Task.WhenAll(
            RequestAsync(Clients.ConnectTcpAsync(IPAddress.Loopback, v4)),
            RequestAsync(Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, v6)));

        // One program served the three, each on the descriptor of its endpoint.
        Assert.Single(onTcp.Append(onUnix).Select(r => r.GetProperty("pid").GetInt32()).Distinct());
        Assert.Equal((3, 4, 5), (onTcp[0].GetProperty("fd").GetInt32(), onTcp[1].GetProperty("fd").GetInt32(), onUnix.GetProperty("fd").GetInt32()));
        Assert.Equal([0, 1, 2, 3, 4, 5], onUnix.GetProperty("fds").EnumerateArray().Select(e => e.GetInt32()));

        // What sd_listen_fds_with_names and sd_is_socket_* found there.
        JsonElement found = onUnix.GetProperty("found");
        Assert.Equal(
            [("web", "inet"), ("web", "inet6"), ("web", "unix")],
            ((string[])["3", "4", "5"]).Select(fd => (found.GetProperty(fd).GetProperty("name").GetString(), found.GetProperty(fd).GetProperty("kind").GetString())));
        Assert.Equal([false, false, true], found.GetProperty("path_matches").EnumerateArray().Select(e => e.GetBoolean()));
        Assert.Equal([false, true, false], found.GetProperty("port_matches").EnumerateArray().Select(e => e.GetBoolean()));

        // The variables: LISTEN_* for all three, the rest about the first, where UPSTART_FDS points.
        Dictionary<string, string> env = onUnix.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(("3", "web:web:web", onUnix.GetProperty("pid").GetInt32().ToString()), (env["LISTEN_FDS"], env["LISTEN_FDNAMES"], env["LISTEN_PID"]));
        Assert.Equal(("socket", "3", "web"), (env["UPSTART_EVENTS"], env["UPSTART_FDS"], env["UPSTART_JOB"]));
        Assert.Equal(("inet", "127.0.0.1", v4.ToString()), (env["PROTO"], env["ADDR"], env["PORT"]));
        Assert.False(env.ContainsKey("SOCKET_PATH"));
        await daemon.WaitForLogAsync("served 3");
    }

    [Fact]
    public async Task The_relaunch_pause_watches_the_queues_of_every_socket()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string path = dir["second.sock"];
        string server = dir.WriteScript("server.py", Server);
        string ready = dir["ready"];
        // Exits at once without accepting until the file "ready" exists, then serves one connection a launch.
        string program = dir.WriteScript("maybe.sh", $"#!/bin/sh\n[ -e {ready} ] || exit 0\nexec {server} max=1\n");
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "late": { "Listen": ["tcp:127.0.0.1:{{port}}", "unix:{{path}}"], "Mode": "handoff", "User": "root", "Exec": ["{{program}}"] } } }
            """, dir);

        // A client waiting on the second socket: the program keeps leaving it there, and the pause grows.
        using Socket waiting = await Clients.ConnectUnixAsync(path);
        await daemon.WaitForLogAsync("late: the program exited with status 0 without accepting, connections still queued (2 times in a row); starting it again in 00:00:02");
        DateTime[] launches = daemon.Logs.Where(l => l.Contains("late ") && l.Contains("a connection is pending")).Select(l => DateTime.Parse(l[..23])).ToArray();
        Assert.True(launches[^1] - launches[0] >= TimeSpan.FromSeconds(0.9), $"launches too close: {string.Join(", ", launches)}");

        // Once the program takes that client, the pause is over: a client of the first socket is served at once.
        File.WriteAllText(ready, string.Empty);
        Assert.Equal(4, ChildScripts.Parse(await Clients.ReadLineAsync(waiting)).GetProperty("fd").GetInt32());
        int pauses = daemon.Logs.Count(l => l.Contains("starting it again"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonElement first = await RequestAsync(Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.Equal(3, first.GetProperty("fd").GetInt32());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the connection on the first socket waited {clock.Elapsed}");
        Assert.Equal(pauses, daemon.Logs.Count(l => l.Contains("starting it again")));
    }

    private static async Task<JsonElement> RequestAsync(Task<Socket> connect)
    {
        using Socket client = await connect;
        return ChildScripts.Parse(await Clients.ReadLineAsync(client));
    }
}
