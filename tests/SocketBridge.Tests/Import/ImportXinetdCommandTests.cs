using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Import;

/// <summary>SPEC 2: <c>socketbridge import xinetd FILE...</c> through the real binary, and the result under the real daemon.</summary>
public sealed class ImportXinetdCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_typical_xinetd_configuration_gives_one_configuration_that_check_accepts_and_notes_what_it_cannot_translate()
    {
        string conf = _dir.Write("xinetd.conf", """
            # Simple configuration file for xinetd
            defaults
            {
                    instances               = 60
                    log_type                = SYSLOG authpriv
                    log_on_success          = HOST PID
                    log_on_failure          = HOST
                    cps                     = 25 30
            }
            includedir /etc/xinetd.d
            """);
        string echo = _dir.Write("echo", """
            # default: off
            service echo
            {
                    disable         = yes
                    type            = INTERNAL
                    id              = echo-stream
                    socket_type     = stream
                    protocol        = tcp
                    user            = root
                    wait            = no
            }
            service echo
            {
                    type            = INTERNAL
                    id              = echo-dgram
                    socket_type     = dgram
                    protocol        = udp
                    user            = root
                    wait            = yes
            }
            """);
        string telnet = _dir.Write("telnet", """
            service telnet
            {
                    flags           = REUSE NAMEINARGS IPv6
                    socket_type     = stream
                    wait            = no
                    user            = nobody
                    server          = /usr/sbin/tcpd
                    server_args     = /bin/cat -u
                    only_from       = 127.0.0.1 10.0.0.0 .example.com
                    no_access       = 10.0.0.66
                    per_source      = 4
                    log_on_failure  += USERID
            }
            service cat
            {
                    type            = UNLISTED
                    port            = 7777
                    bind            = 127.0.0.1
                    socket_type     = stream
                    wait            = yes
                    server          = /bin/cat
                    env             = LANG=C.UTF-8
            }
            service web
            {
                    type            = UNLISTED
                    port            = 8080
                    socket_type     = stream
                    wait            = no
                    redirect        = 127.0.0.1 80
            }
            """);

        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", conf, echo, telnet);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        JsonElement bridges = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges");
        Assert.Equal(["telnet", "cat", "web"], bridges.EnumerateObject().Select(p => p.Name));
        JsonElement telnetBridge = bridges.GetProperty("telnet");
        Assert.Equal("tcp:*:23", telnetBridge.GetProperty("Listen").GetString());
        Assert.Equal(["/bin/cat", "-u"], telnetBridge.GetProperty("Exec").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["127.0.0.1/32", "10.0.0.0/8"], telnetBridge.GetProperty("AllowFrom").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(("25/s", 60, 4), (telnetBridge.GetProperty("RateLimit").GetString(), telnetBridge.GetProperty("MaxConnections").GetInt32(), telnetBridge.GetProperty("MaxConnectionsPerSource").GetInt32()));
        Assert.Equal("handoff", bridges.GetProperty("cat").GetProperty("Mode").GetString());
        Assert.Equal("tcp:127.0.0.1:80", bridges.GetProperty("web").GetProperty("Target").GetString());

        string[] expected =
        [
            $"{conf}:5: log_type: not translated: ",
            $"{conf}:6: log_on_success: not translated: ",
            $"{conf}:7: log_on_failure: not translated: ",
            $"{conf}:10: includedir: not translated: ",
            $"{conf}: skipped: no service section",
            $"{echo}:2: service echo: skipped: disable = yes",
            $"{echo}:12: service echo: skipped: type = INTERNAL",
            $"{echo}: skipped: none of its services can be translated",
            $"{telnet}:7: server: not translated: tcpd only checked hosts.allow and hosts.deny",
            $"{telnet}:9: only_from: not translated: .example.com is a domain",
            $"{telnet}:12: log_on_failure: not translated: ",
            $"{telnet}:14: service cat: User \"root\": the service names no user; ",
            $"{telnet}:20: wait: wait = yes: a handoff bridge",
            $"{conf}:4: instances: not translated for service cat: ",
            $"{conf}:8: cps: RateLimit \"25/s\": ",
            $"{conf}:8: cps: not translated for service cat: ",
            "socketbridge import xinetd: 1 of 3 file(s) translated, 3 bridge(s)",
        ];
        Assert.True(expected.Length == imported.StderrLines.Length, imported.ToString());
        Assert.All(expected.Zip(imported.StderrLines), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", _dir.Write("imported.json", imported.Stdout));

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("telnet: spawn on tcp:*:23", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_without_user_is_written_with_User_root_explicitly_and_says_so()
    {
        string services = _dir.Write("services", """
            service plain
            {
                type        = UNLISTED
                port        = 7001
                socket_type = stream
                wait        = no
                server      = /bin/cat
            }
            service grouped
            {
                type        = UNLISTED
                port        = 7002
                socket_type = stream
                wait        = yes
                group       = nogroup
                server      = /bin/cat
            }
            service dropped
            {
                type        = UNLISTED
                port        = 7003
                socket_type = stream
                wait        = no
                user        = nobody
                server      = /bin/cat
            }
            """);

        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", services);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        JsonElement bridges = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges");
        Assert.Equal("root", bridges.GetProperty("plain").GetProperty("User").GetString());
        Assert.Equal(("root", "nogroup"), (bridges.GetProperty("grouped").GetProperty("User").GetString(), bridges.GetProperty("grouped").GetProperty("Group").GetString()));
        Assert.Equal("nobody", bridges.GetProperty("dropped").GetProperty("User").GetString());
        string note = "User \"root\": the service names no user; give it a less privileged account (a user of its own, or nobody) unless the program needs root";
        Assert.Contains($"{services}:1: service plain: {note}", imported.StderrLines);
        Assert.Contains($"{services}:9: service grouped: {note}", imported.StderrLines);
        Assert.DoesNotContain(imported.StderrLines, l => l.Contains("service dropped: User", StringComparison.Ordinal));

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", _dir.Write("imported.json", imported.Stdout));

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("plain: spawn on tcp:0.0.0.0:7001 -> /bin/cat (runs as root)", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nice_umask_and_rlimits_give_keys_that_check_accepts_and_what_has_no_equivalent_is_noted()
    {
        string conf = _dir.Write("xinetd.conf", """
            defaults
            {
                    umask           = 022
                    rlimit_cpu      = 60
            }
            """);
        string services = _dir.Write("limited", """
            service limited
            {
                    type            = UNLISTED
                    port            = 7101
                    socket_type     = stream
                    wait            = no
                    user            = nobody
                    server          = /bin/cat
                    nice            = 10
                    rlimit_as       = 8M
                    rlimit_data     = 16384k
                    rlimit_stack    = 1m
                    rlimit_cpu      = UNLIMITED
                    rlimit_files    = 2K
                    rlimit_rss      = 8M
            }
            service root-nice
            {
                    type            = UNLISTED
                    port            = 7102
                    socket_type     = stream
                    wait            = yes
                    user            = root
                    server          = /bin/cat
                    nice            = -5
                    umask           = 077
                    rlimit_files    = UNLIMITED
                    rlimit_as       = 0
            }
            service unprivileged
            {
                    type            = UNLISTED
                    port            = 7103
                    socket_type     = stream
                    wait            = no
                    user            = nobody
                    server          = /bin/cat
                    nice            = -5
            }
            """);

        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", conf, services);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        JsonElement bridges = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges");
        JsonElement limited = bridges.GetProperty("limited");
        Assert.Equal(
            [("LimitNOFILE", "2048"), ("LimitAS", "\"8M\""), ("LimitDATA", "\"16M\""), ("LimitCPU", "\"infinity\""), ("LimitSTACK", "\"1M\""), ("Nice", "10"), ("UMask", "\"0022\"")],
            limited.EnumerateObject().SkipWhile(p => p.Name != "LimitNOFILE").Select(p => (p.Name, p.Value.GetRawText())));
        JsonElement rootNice = bridges.GetProperty("root-nice");
        Assert.Equal((-5, "0077"), (rootNice.GetProperty("Nice").GetInt32(), rootNice.GetProperty("UMask").GetString()));
        Assert.DoesNotContain(rootNice.EnumerateObject(), p => p.Name.StartsWith("Limit", StringComparison.Ordinal));
        Assert.False(bridges.GetProperty("unprivileged").TryGetProperty("Nice", out _));
        string[] expected =
        [
            $"{conf}:4: rlimit_cpu: not translated: xinetd ignores it in a defaults section",
            $"{conf}: skipped: no service section",
            $"{services}:15: rlimit_rss: not translated: Linux ignores RLIMIT_RSS",
            $"{services}:22: wait: wait = yes: a handoff bridge",
            $"{services}:27: rlimit_files: not translated: UNLIMITED: the kernel has no unlimited open-file limit",
            $"{services}:28: rlimit_as: not translated: xinetd sets no limit for 0",
            $"{services}:38: nice: not translated: xinetd called nice(3) after switching to user nobody",
            "socketbridge import xinetd: 1 of 2 file(s) translated, 3 bridge(s)",
        ];
        Assert.True(expected.Length == imported.StderrLines.Length, imported.ToString());
        Assert.All(expected.Zip(imported.StderrLines), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", _dir.Write("imported.json", imported.Stdout));

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("    sandbox: LimitNOFILE=2048:2048, LimitAS=8388608:8388608, LimitDATA=16777216:16777216, LimitCPU=infinity:infinity, LimitSTACK=1048576:1048576, Nice=10, UMask=0022\n", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("    sandbox: Nice=-5, UMask=0077\n", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("    sandbox: UMask=0022\n", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_with_only_internal_or_raw_services_exit_78_and_print_no_configuration()
    {
        string daytime = _dir.Write("daytime", "service daytime\n{\n type = INTERNAL\n socket_type = dgram\n protocol = udp\n wait = yes\n}\nservice icmp\n{\n socket_type = raw\n wait = yes\n server = /bin/true\n}\n");

        CliResult result = await Fixtures.Cli.RunAsync("import", "xinetd", daytime);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        Assert.StartsWith($"{daytime}:1: service daytime: skipped: type = INTERNAL", result.StderrLines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{daytime}:8: service icmp: skipped: socket_type = raw", result.StderrLines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("import xinetd")]
    [InlineData("import xinetd --frobnicate x")]
    public async Task Import_xinetd_without_files_is_bad_usage(string command)
    {
        CliResult result = await Fixtures.Cli.RunAsync(command.Split(' '));

        Assert.True(result.ExitCode == 64, result.ToString());
    }

    /// <summary>A program written for xinetd's wait = no: the connection is stdin and stdout.</summary>
    private const string Answer = """
        import os, sys
        question = sys.stdin.readline().strip()
        sys.stdout.write("%s: %s from %s as uid %d\n" % (os.environ["GREETING"], question, os.environ["REMOTE_ADDR"], os.getuid()))
        """;

    [Fact]
    public async Task An_imported_wait_no_service_serves_allowed_clients_as_its_user_and_refuses_the_others()
    {
        int port = Ports.Free();
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // so nobody can read the program
        string program = _dir.Write("answer.py", Answer);
        string service = _dir.Write("answer", $$"""
            service answer
            {
                type        = UNLISTED
                port        = {{port}}
                bind        = 127.0.0.1
                socket_type = stream
                protocol    = tcp
                wait        = no
                user        = nobody
                server      = /usr/bin/python3
                server_args = {{program}}
                env         = GREETING=hello-from-xinetd
                only_from   = 127.0.0.1
                instances   = 10
                log_on_success += DURATION
            }
            """);
        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", service);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);
        string answer = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "ping\n");

        Assert.Equal("hello-from-xinetd: ping from 127.0.0.1 as uid 65534\n", answer);

        // Another loopback address is not in only_from: closed at once, nothing launched.
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stranger.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        await stranger.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Wait.DefaultTimeout);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(stranger));
        await daemon.WaitForLogAsync("answer: refused connection from 127.0.0.2:");
    }

    /// <summary>Writes the process settings it runs with to the client (stdout), as a program under xinetd would see them.</summary>
    private const string ReportSettings = """
        import os, resource
        mask = os.umask(0)
        limits = " ".join("%s=%d:%d" % ((name,) + resource.getrlimit(getattr(resource, "RLIMIT_" + name))) for name in ["NOFILE", "AS", "DATA", "CPU", "STACK"])
        print("umask %04o nice %d %s" % (mask, os.nice(0), limits))
        """;

    [Fact]
    public async Task An_imported_service_runs_with_the_nice_value_umask_and_limits_xinetd_gave_it()
    {
        int port = Ports.Free();
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // so nobody can read the program
        string program = _dir.Write("settings.py", ReportSettings);
        string service = _dir.Write("settings", $$"""
            service settings
            {
                type         = UNLISTED
                port         = {{port}}
                bind         = 127.0.0.1
                socket_type  = stream
                wait         = no
                user         = nobody
                server       = /usr/bin/python3
                server_args  = {{program}}
                nice         = 7
                umask        = 027
                rlimit_files = 256
                rlimit_as    = 1024M
                rlimit_data  = 512M
                rlimit_cpu   = 20
                rlimit_stack = 8192K
            }
            """);
        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", service);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);
        string settings = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.Equal("umask 0027 nice 7 NOFILE=256:256 AS=1073741824:1073741824 DATA=536870912:536870912 CPU=20:20 STACK=8388608:8388608\n", settings);
    }

    [Fact]
    public async Task An_imported_wait_yes_service_accepts_on_stdin_as_under_xinetd()
    {
        int port = Ports.Free();
        // xinetd gives a wait = yes program the listening socket as stdin; it accepts from it.
        string program = _dir.Write("waiter.py", """
            import socket
            listening = socket.socket(fileno=0)
            conn, _ = listening.accept()
            conn.sendall(b"accepted on stdin: " + conn.recv(1024))
            conn.close()
            """);
        string service = _dir.Write("waiter", $$"""
            service waiter
            {
                type        = UNLISTED
                port        = {{port}}
                bind        = 127.0.0.1
                socket_type = stream
                wait        = yes
                user        = root
                server      = /usr/bin/python3
                server_args = {{program}}
            }
            """);
        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", service);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);

        Assert.Equal("accepted on stdin: ping\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "ping\n"));
        await daemon.WaitForLogAsync("exited with status 0");
        Assert.Equal("accepted on stdin: again\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "again\n"));
    }

    [Fact]
    public async Task An_imported_tftp_service_serves_tftp_through_in_tftpd_as_under_xinetd()
    {
        int port = Ports.FreeUdp();
        string root = _dir["tftpboot"];
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(Path.Combine(root, "pxelinux.cfg"), "DEFAULT linux\n");
        File.SetUnixFileMode(Path.Combine(root, "pxelinux.cfg"), (UnixFileMode)Convert.ToInt32("644", 8));
        // Debian's tftpd-hpa example for xinetd, on a port of the test's own.
        string service = _dir.Write("tftp", $$"""
            service tftp
            {
                type        = UNLISTED
                port        = {{port}}
                bind        = 127.0.0.1
                socket_type = dgram
                protocol    = udp
                wait        = yes
                user        = root
                server      = /usr/sbin/in.tftpd
                server_args = -s -t 1 {{root}}
                flags       = REUSE
            }
            """);

        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", service);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        JsonElement bridge = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges").GetProperty("tftp");
        Assert.Equal(($"udp:127.0.0.1:{port}", "handoff", "socket"), (bridge.GetProperty("Listen").GetString(), bridge.GetProperty("Mode").GetString(), bridge.GetProperty("StandardInput").GetString()));
        Assert.Contains(imported.StderrLines, l => l.StartsWith($"{service}:12: flags: not translated: REUSE: ", StringComparison.Ordinal));
        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", _dir.Write("imported.json", imported.Stdout));
        Assert.True(check.ExitCode == 0, check.ToString());

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);

        string copy = _dir["fetched.cfg"];
        var tftp = await Clients.RunProgramAsync("tftp", ["127.0.0.1", port.ToString(), "-c", "get", "pxelinux.cfg", copy]);
        Assert.True(tftp.ExitCode == 0, $"tftp: {tftp.Stdout}{tftp.Stderr}");
        Assert.Equal("DEFAULT linux\n", File.ReadAllText(copy));
        await daemon.WaitForLogAsync("watching the socket again");
    }

    [Fact]
    public async Task An_imported_redirect_forwards_to_its_target()
    {
        int port = Ports.Free();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string service = _dir.Write("relay", $$"""
            service relay
            {
                type        = UNLISTED
                port        = {{port}}
                bind        = 127.0.0.1
                socket_type = stream
                wait        = no
                redirect    = 127.0.0.1 {{backend.Port}}
                cps         = 100 5
            }
            """);
        CliResult imported = await Fixtures.Cli.RunAsync("import", "xinetd", service);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);

        Assert.Equal("through the redirect\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "through the redirect\n"));
        Assert.Equal(1, backend.Accepted);
    }
}
