using System.Net;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Import;

/// <summary>SPEC 2: <c>socketbridge import upstart FILE...</c> through the real binary.</summary>
public sealed class ImportUpstartCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The start on lines of socket-event(7), IPv6, and upstart-socket-bridge's older PATH= spelling.</summary>
    [Theory]
    [InlineData("PROTO=inet PORT=80 ADDR=127.0.0.1", "tcp:127.0.0.1:80")]
    [InlineData("PROTO=inet6 PORT=80 ADDR=::1", "tcp:[::1]:80")]
    [InlineData("PROTO=unix SOCKET_PATH=/var/run/.s.pgsql.1234", "unix:/var/run/.s.pgsql.1234")]
    [InlineData("PROTO=unix PATH=/var/run/foo.sock", "unix:/var/run/foo.sock")]
    [InlineData("PROTO=unix SOCKET_PATH=@/at/upstart/example", "unix:@/at/upstart/example")]
    public async Task A_socket_event_example_gives_a_configuration_that_check_accepts(string socket, string listen)
    {
        string job = _dir.Write("example.conf", $"""
            description "socket-event(7) example"
            start on socket {socket}
            exec /bin/cat
            """);

        CliResult imported = await Fixtures.Cli.RunAsync("import", "upstart", job);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        JsonElement bridge = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges").GetProperty("example");
        Assert.Equal(listen, bridge.GetProperty("Listen").GetString());
        Assert.Equal("handoff", bridge.GetProperty("Mode").GetString());
        Assert.Equal(["/bin/cat"], bridge.GetProperty("Exec").EnumerateArray().Select(e => e.GetString()));

        string config = _dir.Write("imported.json", imported.Stdout);
        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains($"example: handoff on {listen}", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_jobs_become_one_configuration_that_check_accepts_and_untranslatable_stanzas_are_reported_with_file_and_line()
    {
        string web = _dir.Write("Web_Server.conf", """
            start on socket PROTO=inet PORT=8080 ADDR=127.0.0.1
            stop on runlevel [!2345]
            respawn
            setuid root
            chdir /tmp
            env GREETING="hello world"
            limit nofile 1024 1024
            exec /usr/bin/python3 -m http.server --port=8080
            """);
        string pg = _dir.Write("pg.conf", """
            start on (socket PROTO=unix SOCKET_PATH=/var/run/.s.pgsql.1234
                      or started network-manager)
            pre-start script
              mkdir -p /var/run/pg
            end script
            script
              exec /bin/cat "$SOCKET_PATH"
            end script
            """);
        string cron = _dir.Write("cron.conf", "start on runlevel [2345]\nexec /usr/sbin/cron -f\n");

        CliResult imported = await Fixtures.Cli.RunAsync("import", "upstart", web, pg, cron);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        string[] expected =
        [
            $"{web}:2: stop on: not translated: ",
            $"{web}:3: respawn: not translated: ",
            $"{web}: bridge name: web_server (UPSTART_JOB=web_server), from the job name \"Web_Server\"",
            $"{pg}:1: start on: not translated: started network-manager: ",
            $"{pg}:3: pre-start script: not translated: ",
            $"{pg}: User: \"root\", as Upstart ran the job without setuid; ",
            $"{cron}: skipped: not a socket job (start on runlevel [2345])",
            "socketbridge import upstart: 2 of 3 file(s) translated, 2 bridge(s)",
        ];
        Assert.True(expected.Length == imported.StderrLines.Length, imported.ToString());
        Assert.All(expected.Zip(imported.StderrLines), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));

        JsonElement bridges = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges");
        Assert.Equal(["web_server", "pg"], bridges.EnumerateObject().Select(p => p.Name));
        JsonElement webBridge = bridges.GetProperty("web_server");
        Assert.Equal(("root", "/tmp", "hello world"), (webBridge.GetProperty("User").GetString(), webBridge.GetProperty("WorkingDirectory").GetString(), webBridge.GetProperty("Environment").GetProperty("GREETING").GetString()));
        Assert.Equal(1024, webBridge.GetProperty("LimitNOFILE").GetInt32());
        Assert.Equal(["/bin/sh", "-e", "-c", "  exec /bin/cat \"$SOCKET_PATH\""], bridges.GetProperty("pg").GetProperty("Exec").EnumerateArray().Select(e => e.GetString()));

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", _dir.Write("imported.json", imported.Stdout));

        Assert.True(check.ExitCode == 0, check.ToString());
    }

    [Fact]
    public async Task Umask_nice_and_limits_give_keys_that_check_accepts_and_resources_without_a_key_are_noted()
    {
        string job = _dir.Write("limited.conf", """
            start on socket PROTO=inet PORT=7201 ADDR=127.0.0.1
            setuid nobody
            umask 027
            nice -5
            limit nofile 1024 4096
            limit nproc 512 512
            limit as unlimited unlimited
            limit data 536870912 unlimited
            limit cpu 10 15
            limit core 0 0
            limit fsize 1073741824 1073741824
            limit stack 8388608 unlimited
            limit memlock 65536 65536
            limit rss 1000 1000
            limit nofile unlimited unlimited
            exec /bin/cat
            """);

        CliResult imported = await Fixtures.Cli.RunAsync("import", "upstart", job);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        JsonElement bridge = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges").GetProperty("limited");
        Assert.Equal(
        [
            ("LimitNPROC", "512"), ("LimitAS", "\"infinity\""), ("LimitDATA", "\"512M:infinity\""), ("LimitCPU", "\"10:15\""),
            ("LimitCORE", "0"), ("LimitFSIZE", "\"1G\""), ("LimitSTACK", "\"8M:infinity\""), ("Nice", "-5"), ("UMask", "\"0027\""),
        ],
            bridge.EnumerateObject().SkipWhile(p => !p.Name.StartsWith("Limit", StringComparison.Ordinal)).Select(p => (p.Name, p.Value.GetRawText())));
        string[] expected =
        [
            $"{job}:5: limit: not translated: replaced by the limit at line 15",
            $"{job}:13: limit memlock: not translated: socketbridge has no key for RLIMIT_MEMLOCK: ",
            $"{job}:14: limit rss: not translated: Linux ignores RLIMIT_RSS",
            $"{job}:15: limit nofile: not translated: LimitNOFILE \"infinity\": the kernel takes no infinite open-file limit",
            "socketbridge import upstart: 1 of 1 file(s) translated, 1 bridge(s)",
        ];
        Assert.True(expected.Length == imported.StderrLines.Length, imported.ToString());
        Assert.All(expected.Zip(imported.StderrLines), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", _dir.Write("imported.json", imported.Stdout));

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains(
            "    sandbox: LimitNPROC=512:512, LimitAS=infinity:infinity, LimitDATA=536870912:infinity, LimitCPU=10:15, LimitCORE=0:0, LimitFSIZE=1073741824:1073741824, LimitSTACK=8388608:infinity, Nice=-5, UMask=0027\n",
            check.Stdout,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_without_a_socket_job_exit_78_and_print_no_configuration()
    {
        string cron = _dir.Write("cron.conf", "start on runlevel [2345]\nexec /usr/sbin/cron -f\n");
        string empty = _dir.Write("empty.conf", "# nothing\n");

        CliResult result = await Fixtures.Cli.RunAsync("import", "upstart", cron, empty);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Contains($"{empty}: skipped: no start on socket stanza: not a socket job", result.StderrLines);
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_is_named_and_exits_1_while_the_others_are_still_translated()
    {
        string job = _dir.Write("echo.conf", "start on socket PROTO=inet PORT=7 ADDR=127.0.0.1\nexec /bin/cat\n");
        string missing = _dir["missing.conf"];

        CliResult result = await Fixtures.Cli.RunAsync("import", "upstart", missing, _dir.Path, job);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"{missing}: cannot read: no such file", result.StderrLines);
        Assert.Contains($"{_dir.Path}: cannot read: is a directory", result.StderrLines);
        Assert.Equal("tcp:127.0.0.1:7", JsonDocument.Parse(result.Stdout).RootElement.GetProperty("Bridges").GetProperty("echo").GetProperty("Listen").GetString());
    }

    [Theory]
    [InlineData("import")]
    [InlineData("import upstart")]
    [InlineData("import upstart --frobnicate x.conf")]
    [InlineData("import sysvinit x.conf")]
    public async Task Import_without_a_format_or_files_is_bad_usage(string command)
    {
        CliResult result = await Fixtures.Cli.RunAsync(command.Split(' '));

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task A_job_of_the_same_name_in_another_directory_gets_its_own_bridge_name()
    {
        Directory.CreateDirectory(_dir["a"]);
        Directory.CreateDirectory(_dir["b"]);
        string first = _dir.Write("a/echo.conf", "start on socket PROTO=inet PORT=7 ADDR=127.0.0.1\nexec /bin/cat\n");
        string second = _dir.Write("b/echo.conf", "start on socket PROTO=inet PORT=8 ADDR=127.0.0.1\nexec /bin/cat\n");

        CliResult result = await Fixtures.Cli.RunAsync("import", "upstart", first, second);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["echo", "echo-2"], JsonDocument.Parse(result.Stdout).RootElement.GetProperty("Bridges").EnumerateObject().Select(p => p.Name));
        Assert.Contains($"{second}: bridge echo: named echo-2: an earlier file has a bridge echo", result.StderrLines);
    }

    [Fact]
    public async Task An_override_file_next_to_the_job_is_read_after_it()
    {
        string job = _dir.Write("echo.conf", "start on socket PROTO=inet PORT=7 ADDR=127.0.0.1\nexec /bin/cat\n");
        string overrides = _dir.Write("echo.override", "start on socket PROTO=inet PORT=17 ADDR=127.0.0.1\n");

        CliResult result = await Fixtures.Cli.RunAsync("import", "upstart", job);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("tcp:127.0.0.1:17", JsonDocument.Parse(result.Stdout).RootElement.GetProperty("Bridges").GetProperty("echo").GetProperty("Listen").GetString());
        Assert.Contains($"{job}:1: start on: not translated: replaced by the start on at {overrides}:1", result.StderrLines);
    }

    [Fact]
    public async Task A_job_without_setuid_is_written_with_User_root_explicitly_and_says_so()
    {
        string plain = _dir.Write("plain.conf", "start on socket PROTO=inet PORT=7 ADDR=127.0.0.1\nexec /bin/cat\n");
        string grouped = _dir.Write("grouped.conf", "start on socket PROTO=inet PORT=8 ADDR=127.0.0.1\nsetgid nogroup\nexec /bin/cat\n");
        string dropped = _dir.Write("dropped.conf", "start on socket PROTO=inet PORT=9 ADDR=127.0.0.1\nsetuid nobody\nexec /bin/cat\n");

        CliResult imported = await Fixtures.Cli.RunAsync("import", "upstart", plain, grouped, dropped);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        JsonElement bridges = JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("Bridges");
        Assert.Equal("root", bridges.GetProperty("plain").GetProperty("User").GetString());
        Assert.Equal(("root", "nogroup"), (bridges.GetProperty("grouped").GetProperty("User").GetString(), bridges.GetProperty("grouped").GetProperty("Group").GetString()));
        Assert.Equal("nobody", bridges.GetProperty("dropped").GetProperty("User").GetString());
        string[] expected =
        [
            $"{plain}: User: \"root\", as Upstart ran the job without setuid; give it a less privileged account (a user of its own, or nobody) unless the program needs root",
            $"{grouped}: User: \"root\", as Upstart ran the job without setuid; give it a less privileged account (a user of its own, or nobody) unless the program needs root",
            "socketbridge import upstart: 3 of 3 file(s) translated, 3 bridge(s)",
        ];
        Assert.Equal(expected, imported.StderrLines);

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", _dir.Write("imported.json", imported.Stdout));

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("plain: handoff on tcp:127.0.0.1:7 -> /bin/cat (runs as root)", check.Stdout, StringComparison.Ordinal);
    }

    /// <summary>An Upstart job's program, unchanged: accepts one connection from fd 3 and answers it.</summary>
    private const string Answer = """
        import os, socket
        listening = socket.socket(fileno=3)
        conn, _ = listening.accept()
        question = conn.recv(1024).decode().strip()
        conn.sendall(("%s: %s from %s, UPSTART_FDS=%s UPSTART_EVENTS=%s UPSTART_JOB=%s PROTO=%s\n" % (
            os.environ["GREETING"], question, os.environ.get("ADDR") or os.environ.get("SOCKET_PATH"),
            os.environ["UPSTART_FDS"], os.environ["UPSTART_EVENTS"], os.environ["UPSTART_JOB"], os.environ["PROTO"])).encode())
        conn.close()
        """;

    [Fact]
    public async Task An_imported_tcp_job_runs_under_the_daemon_and_answers_from_fd_3()
    {
        int port = Ports.Free();
        string program = _dir.Write("answer.py", Answer);
        string job = _dir.Write("answer.conf", $"""
            description "answers one connection from fd 3"
            start on socket PROTO=inet PORT={port} ADDR=127.0.0.1
            stop on runlevel [!2345]
            env GREETING="hello from upstart"
            exec /usr/bin/python3 {program}
            """);
        CliResult imported = await Fixtures.Cli.RunAsync("import", "upstart", job);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);
        string answer = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "ping\n");

        Assert.Equal("hello from upstart: ping from 127.0.0.1, UPSTART_FDS=3 UPSTART_EVENTS=socket UPSTART_JOB=answer PROTO=inet\n", answer);
        await daemon.WaitForLogAsync("exited with status 0");
    }

    [Fact]
    public async Task An_imported_job_runs_with_the_umask_nice_value_and_limits_Upstart_gave_it()
    {
        int port = Ports.Free();
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // so nobody can read the program
        string program = _dir.Write("settings.py", """
            import os, resource, socket
            listening = socket.socket(fileno=3)
            conn, _ = listening.accept()
            mask = os.umask(0)
            limits = " ".join("%s=%d:%d" % ((name,) + resource.getrlimit(getattr(resource, "RLIMIT_" + name)))
                              for name in ["NOFILE", "NPROC", "AS", "DATA", "CPU", "CORE", "FSIZE", "STACK"])
            conn.sendall(("umask %04o nice %d %s\n" % (mask, os.nice(0), limits)).encode())
            conn.close()
            """);
        string job = _dir.Write("settings.conf", $"""
            start on socket PROTO=inet PORT={port} ADDR=127.0.0.1
            setuid nobody
            umask 077
            nice -3
            limit nofile 128 256
            limit nproc 4096 8192
            limit as 1073741824 unlimited
            limit data 536870912 1073741824
            limit cpu 20 30
            limit core 0 0
            limit fsize 1048576 2097152
            limit stack 8388608 16777216
            exec /usr/bin/python3 {program}
            """);
        CliResult imported = await Fixtures.Cli.RunAsync("import", "upstart", job);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);
        string settings = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.Equal(
            "umask 0077 nice -3 NOFILE=128:256 NPROC=4096:8192 AS=1073741824:-1 DATA=536870912:1073741824 CPU=20:30 CORE=0:0 FSIZE=1048576:2097152 STACK=8388608:16777216\n",
            settings);
        await daemon.WaitForLogAsync("exited with status 0");
    }

    [Fact]
    public async Task An_imported_unix_job_with_a_script_and_the_older_PATH_spelling_runs_under_the_daemon()
    {
        string program = _dir.Write("answer.py", Answer);
        string socket = _dir["answer.sock"];
        string job = _dir.Write("answer.conf", $"""
            start on socket PROTO=unix PATH={socket}
            env GREETING="hello from a script"
            script
              # the shell finds python3 in PATH, which PATH= no longer replaces
              exec python3 {program}
            end script
            """);
        CliResult imported = await Fixtures.Cli.RunAsync("import", "upstart", job);
        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Contains(imported.StderrLines, l => l.StartsWith($"{job}:1: start on: PATH= is the older spelling", StringComparison.Ordinal));

        await using Daemon daemon = await Daemon.StartAsync(imported.Stdout, _dir);
        string answer = await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(socket), "ping\n");

        Assert.Equal($"hello from a script: ping from {socket}, UPSTART_FDS=3 UPSTART_EVENTS=socket UPSTART_JOB=answer PROTO=unix\n", answer);
    }
}
