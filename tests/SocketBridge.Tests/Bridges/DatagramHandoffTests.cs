using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// Datagram sockets in handoff mode (issue 15, section 3), as systemd's
/// Accept=no and xinetd's wait = yes serve them: the program is started when
/// the first datagram waits, gets the socket, reads the datagrams itself, and
/// the daemon watches again when it exits. No datagram is ever lost.
/// </summary>
public sealed class DatagramHandoffTests
{
    /// <summary>
    /// Reads every datagram on its socket (fd 3, or stdin with
    /// StandardInput socket) until none comes for "idle" seconds, appending
    /// each to the file "out" as a line; answers a sender that has an address
    /// with a JSON report of itself. With "exit" it leaves at once with that
    /// status, reading nothing, until the file "ready" exists; with "max" it
    /// reads at most that many.
    /// </summary>
    private const string Receiver = """
        #!/usr/bin/python3
        import json, os, socket, stat, sys, time
        args = dict(a.split("=", 1) for a in sys.argv[1:])
        if "exit" in args and not os.path.exists(args["ready"]):
            sys.exit(int(args["exit"]))
        time.sleep(float(args.get("delay", "0")))
        fd = int(args.get("fd", "3"))
        blocking = os.get_blocking(fd)  # before settimeout makes the shared file non-blocking
        s = socket.socket(fileno=os.dup(fd))
        s.settimeout(float(args.get("idle", "0.5")))
        with open('/proc/self/environ', 'rb') as f:
            env = dict(v.decode().split('=', 1) for v in f.read().split(b'\0') if v)
        inodes = {}
        for n in (0, 1, 3):
            st = os.fstat(n)
            inodes[n] = st.st_ino if stat.S_ISSOCK(st.st_mode) else None
        got = 0
        while got < int(args.get("max", "1000000")):
            try:
                data, sender = s.recvfrom(65536)
            except socket.timeout:
                break
            got += 1
            with open(args["out"], "ab") as out:
                out.write(data + b"\n")
            if sender:
                report = {"pid": os.getpid(), "env": env, "inodes": inodes, "type": s.type.name,
                          "local": list(s.getsockname()) if isinstance(s.getsockname(), tuple) else s.getsockname(),
                          "blocking": blocking, "data": data.decode()}
                s.sendto(json.dumps(report).encode(), sender)
        print("read", got, file=sys.stderr)
        """;

    [Fact]
    public async Task In_tftpd_behind_a_udp_handoff_bridge_serves_a_file_byte_for_byte_twice_exiting_in_between()
    {
        using var dir = new TempDirectory();
        // in.tftpd -s chroots into its directory and drops to nobody: a world-readable tree.
        string root = dir["tftp"];
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
        byte[] content = new byte[300_000];
        new Random(15).NextBytes(content);
        File.WriteAllBytes(Path.Combine(root, "boot.img"), content);
        File.SetUnixFileMode(Path.Combine(root, "boot.img"), (UnixFileMode)Convert.ToInt32("644", 8));
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "tftp": { "Listen": "udp:127.0.0.1:0", "Mode": "handoff", "StandardInput": "socket",
                "User": "root", "Exec": ["/usr/sbin/in.tftpd", "--secure", "--timeout", "1", "{{root}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("tftp");

        // tftp-hpa's own client, as a user would run it.
        for (int round = 1; round <= 2; round++)
        {
            string copy = dir[$"copy{round}.img"];
            var tftp = await Clients.RunProgramAsync("tftp", ["-m", "binary", "127.0.0.1", port.ToString(), "-c", "get", "boot.img", copy]);
            Assert.True(tftp.ExitCode == 0, $"tftp: {tftp.Stdout}{tftp.Stderr}");
            Assert.Equal(content, File.ReadAllBytes(copy));

            // in.tftpd waits a second for another request, then exits: the next get starts a new one.
            await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("exited with status 0") && l.Contains("watching the socket again")) == round, $"in.tftpd to exit after get {round}");
        }

        string[] launches = [.. daemon.Logs.Where(l => l.Contains($"tftp ") && l.Contains($": a datagram is waiting on udp:127.0.0.1:{port}; launched child "))];
        Assert.Equal(2, launches.Length);
        Assert.NotEqual(launches[0].Split("launched child ")[1], launches[1].Split("launched child ")[1]);
    }

    [Fact]
    public async Task The_program_gets_the_udp_socket_on_fds_0_1_and_3_with_StandardInput_socket_and_its_address_variables()
    {
        using var dir = new TempDirectory();
        string receiver = dir.WriteScript("receiver.py", Receiver);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "udp": { "Listen": "udp:127.0.0.1:0", "Mode": "handoff", "StandardInput": "socket",
                "User": "root", "Exec": ["{{receiver}}", "fd=0", "out={{dir["out"]}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("udp");

        JsonElement report = await AskAsync(IPAddress.Loopback, port, "hello");

        Dictionary<string, string> env = report.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(("inet", "127.0.0.1", port.ToString()), (env["PROTO"], env["ADDR"], env["PORT"]));
        Assert.Equal(("1", "udp", "3"), (env["LISTEN_FDS"], env["LISTEN_FDNAMES"], env["UPSTART_FDS"]));
        Assert.Equal(report.GetProperty("pid").GetInt32().ToString(), env["LISTEN_PID"]);
        long socket = report.GetProperty("inodes").GetProperty("3").GetInt64();
        Assert.Equal(socket, report.GetProperty("inodes").GetProperty("0").GetInt64());
        Assert.Equal(socket, report.GetProperty("inodes").GetProperty("1").GetInt64());
        Assert.Equal("SOCK_DGRAM", report.GetProperty("type").GetString());
        Assert.Equal(["127.0.0.1", port.ToString()], report.GetProperty("local").EnumerateArray().Select(e => e.ToString()));
        Assert.True(report.GetProperty("blocking").GetBoolean(), "in.tftpd and other inetd programs expect a blocking socket");
        await daemon.WaitForLogAsync("read 1");
    }

    [Fact]
    public async Task A_udp_star_endpoint_is_one_dual_stack_socket_serving_IPv4_and_IPv6_senders()
    {
        using var dir = new TempDirectory();
        string receiver = dir.WriteScript("receiver.py", Receiver);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "both": { "Listen": "udp:*:0", "Mode": "handoff",
                "User": "root", "Exec": ["{{receiver}}", "idle=5", "out={{dir["out"]}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("both");

        JsonElement four = await AskAsync(IPAddress.Loopback, port, "from four");
        JsonElement six = await AskAsync(IPAddress.IPv6Loopback, port, "from six");

        Assert.Equal(four.GetProperty("pid").GetInt32(), six.GetProperty("pid").GetInt32());
        Assert.Equal(("from four", "from six"), (four.GetProperty("data").GetString(), six.GetProperty("data").GetString()));
        Assert.Equal(("inet6", "::"), (four.GetProperty("env").GetProperty("PROTO").GetString(), four.GetProperty("env").GetProperty("ADDR").GetString()));
        var status = await Fixtures.Cli.RunAsync("status", "--control", daemon.ControlSocket);
        Assert.Contains($"udp:*:{port}", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Datagrams_sent_while_no_program_runs_all_reach_the_next_one_none_lost_none_twice()
    {
        using var dir = new TempDirectory();
        string path = dir["dgram.sock"], output = dir["out"];
        string receiver = dir.WriteScript("receiver.py", Receiver);
        // Started by the first datagram, it sleeps before reading, so the others queue meanwhile.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "log": { "Listen": "unix-dgram:{{path}}", "Mode": "handoff",
                "User": "root", "Exec": ["{{receiver}}", "delay=0.5", "idle=0.3", "out={{output}}"] } } }
            """, dir);

        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var to = new UnixDomainSocketEndPoint(path);
        string[] first = [.. Enumerable.Range(0, 50).Select(i => $"first {i:D2}")];
        foreach (string line in first)
        {
            await sender.SendToAsync(Encoding.UTF8.GetBytes(line), to);
        }

        await daemon.WaitForLogAsync("watching the socket again");
        Assert.Equal(first, await File.ReadAllLinesAsync(output));

        // No program runs now: these wait in the socket's queue until the next one reads them.
        string[] second = [.. Enumerable.Range(0, 50).Select(i => $"second {i:D2} {new string('x', i * 100)}")];
        foreach (string line in second)
        {
            await sender.SendToAsync(Encoding.UTF8.GetBytes(line), to);
        }

        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("watching the socket again")) == 2, "the second program to exit");
        string[] received = await File.ReadAllLinesAsync(output);
        Assert.Equal(first.Concat(second), received);
        Assert.Equal(2, daemon.Logs.Count(l => l.Contains($": a datagram is waiting on unix-dgram:{path}; launched child ")));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("starting it again in"));
    }

    [Fact]
    public async Task A_program_that_fails_without_reading_is_started_again_after_a_growing_pause_and_the_datagram_still_reaches_it()
    {
        using var dir = new TempDirectory();
        string receiver = dir.WriteScript("receiver.py", Receiver), ready = dir["ready"], output = dir["out"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "late": { "Listen": "udp:127.0.0.1:0", "Mode": "handoff",
                "User": "root", "Exec": ["{{receiver}}", "exit=1", "ready={{ready}}", "out={{output}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("late");

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await client.SendToAsync("keep me"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));

        await daemon.WaitForLogAsync("late: the program exited with status 1, connections or datagrams still waiting (1 time in a row); starting it again in 00:00:01");
        await daemon.WaitForLogAsync("late: the program exited with status 1, connections or datagrams still waiting (2 times in a row); starting it again in 00:00:02");
        File.WriteAllText(ready, string.Empty);

        await Wait.UntilAsync(() => File.Exists(output) && File.ReadAllText(output) == "keep me\n", "the datagram to reach the program once it reads");
        await daemon.WaitForLogAsync("read 1");
    }

    [Fact]
    public async Task A_program_that_exits_0_without_reading_is_paused_too_saying_so()
    {
        using var dir = new TempDirectory();
        string path = dir["idle.sock"];
        string receiver = dir.WriteScript("receiver.py", Receiver);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "idle": { "Listen": "unix-dgram:{{path}}", "Mode": "handoff",
                "User": "root", "Exec": ["{{receiver}}", "exit=0", "ready={{dir["never"]}}", "out={{dir["out"]}}"] } } }
            """, dir);

        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        await sender.SendToAsync("unread"u8.ToArray(), new UnixDomainSocketEndPoint(path));

        await daemon.WaitForLogAsync("idle: the program exited with status 0 without accepting or reading, connections or datagrams still waiting (2 times in a row); starting it again in 00:00:02");
    }

    [Fact]
    public async Task A_program_that_reads_one_datagram_a_launch_is_started_again_at_once_for_the_next()
    {
        using var dir = new TempDirectory();
        string receiver = dir.WriteScript("receiver.py", Receiver), output = dir["out"];
        // Each launch reads one datagram and exits at once, with the others still queued.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "one": { "Listen": "udp:127.0.0.1:0", "Mode": "handoff",
                "User": "root", "Exec": ["{{receiver}}", "delay=0.3", "max=1", "out={{output}}"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("one");

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        string[] texts = ["a", "bb", "ccc", "dddd"];
        foreach (string text in texts)
        {
            await client.SendToAsync(Encoding.UTF8.GetBytes(text), new IPEndPoint(IPAddress.Loopback, port));
        }

        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("watching the socket again")) == 4, "four launches to end");
        Assert.Equal(["a", "bb", "ccc", "dddd"], await File.ReadAllLinesAsync(output));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("starting it again in"));
    }

    [Fact]
    public async Task A_handoff_bridge_listening_on_tcp_and_udp_of_one_port_gives_the_program_both_sockets_whichever_starts_it()
    {
        using var dir = new TempDirectory();
        int port = Ports.FreeUdp();
        // Like a DNS server: one port, both protocols; the sockets found with sd_listen_fds(3).
        string server = dir.WriteScript("both.py", """
            #!/usr/bin/python3
            import os, select, socket
            from systemd import daemon
            socks = [socket.socket(fileno=fd) for fd in daemon.listen_fds()]
            kinds = " ".join(s.type.name for s in socks)
            while True:
                ready, _, _ = select.select(socks, [], [], 1.0)
                if not ready:
                    break
                for s in ready:
                    if s.type == socket.SOCK_DGRAM:
                        data, sender = s.recvfrom(1024)
                        s.sendto(f"udp {data.decode()} {kinds} {os.getpid()}".encode(), sender)
                    else:
                        conn, _ = s.accept()
                        conn.sendall(f"tcp {conn.recv(1024).decode()} {kinds} {os.getpid()}".encode())
                        conn.close()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "dns": { "Listen": ["tcp:127.0.0.1:{{port}}", "udp:127.0.0.1:{{port}}"], "Mode": "handoff",
                "User": "root", "Exec": ["{{server}}"] } } }
            """, dir);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendToAsync("query"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
        byte[] buffer = new byte[1024];
        string[] udp = Encoding.UTF8.GetString(buffer, 0, await client.ReceiveAsync(buffer).WaitAsync(Wait.DefaultTimeout)).Split(' ');
        string[] tcp = (await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "zone")).Split(' ');

        Assert.Equal(["udp", "query", "SOCK_STREAM", "SOCK_DGRAM"], udp[..4]);
        Assert.Equal(["tcp", "zone", "SOCK_STREAM", "SOCK_DGRAM"], tcp[..4]);
        Assert.Equal(udp[4], tcp[4]);
        await daemon.WaitForLogAsync($"dns ");
        await daemon.WaitForLogAsync($": a datagram is waiting on udp:127.0.0.1:{port}; launched child {udp[4]} with its 2 listening sockets");
    }

    [Fact]
    public async Task A_datagram_waiting_through_a_reload_that_fixes_the_program_reaches_the_new_program()
    {
        using var dir = new TempDirectory();
        string receiver = dir.WriteScript("receiver.py", Receiver), output = dir["out"];
        string Config(string exec) => $$"""
            { "Bridges": { "fixed": { "Listen": "udp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": [{{exec}}] } } }
            """;
        string config = dir.Write("config.json", Config("\"/bin/false\""));
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false);
        int port = await daemon.PortOfAsync("fixed");

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await client.SendToAsync("survives the reload"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));
        await daemon.WaitForLogAsync("fixed: the program exited with status 1, connections or datagrams still waiting (1 time in a row)");

        dir.Write("config.json", Config($"\"{receiver}\", \"out={output}\""));
        CliResult reload = await Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);

        Assert.True(reload.ExitCode == 0, reload.ToString());
        await Wait.UntilAsync(() => File.Exists(output) && File.ReadAllText(output) == "survives the reload\n", "the waiting datagram to reach the new program");
    }

    /// <summary>Sends <paramref name="text"/> from a socket of its own and waits for the receiver's JSON report.</summary>
    private static async Task<JsonElement> AskAsync(IPAddress address, int port, string text)
    {
        using var client = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(address, 0));
        await client.SendToAsync(Encoding.UTF8.GetBytes(text), new IPEndPoint(address, port));
        byte[] buffer = new byte[65536];
        using var cts = new CancellationTokenSource(Wait.DefaultTimeout);
        SocketReceiveFromResult reply = await client.ReceiveFromAsync(buffer, new IPEndPoint(address, 0), cts.Token);
        return JsonDocument.Parse(buffer.AsMemory(0, reply.ReceivedBytes)).RootElement.Clone();
    }
}
