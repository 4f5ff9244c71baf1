using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>SPEC 2: <c>socketbridge check</c> validates exactly as run would, prints every problem, binds nothing.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_valid_configuration_passes_the_check_and_the_bridges_are_listed()
    {
        int port = Ports.Free();
        string socket = _dir["echo.sock"];
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat", "-u"] },
                "echo": { "Listen": "unix:{{socket}}", "User": "root", "Exec": ["cat"] }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stderr);
        string[] lines = result.Stdout.Split('\n');
        Assert.Contains(config, result.Stdout, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("web", StringComparison.Ordinal) && l.Contains($"tcp:127.0.0.1:{port}", StringComparison.Ordinal) && l.Contains("/bin/cat -u", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("echo", StringComparison.Ordinal) && l.Contains($"unix:{socket}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_shows_how_each_program_is_confined_as_it_will_be_applied_and_nothing_for_a_program_with_the_defaults()
    {
        string config = _dir.Write("sandbox.json", """
            {
              "SocketBridge": { "ShutdownTimeout": "3s" },
              "Bridges": {
                "boxed": { "Listen": "tcp:127.0.0.1:1", "User": "nobody", "Exec": ["/bin/cat"],
                           "LimitNOFILE": 64, "LimitAS": "256M:1G", "LimitCPU": "infinity", "Nice": 5, "UMask": "027",
                           "NoNewPrivileges": false, "PrivateTmp": true, "PrivateNetwork": true, "RuntimeMax": "2min" },
                "plain": { "Listen": "tcp:127.0.0.1:2", "User": "nobody", "Exec": ["/bin/cat"] }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n');
        int boxed = Array.FindIndex(lines, l => l.StartsWith("  boxed:", StringComparison.Ordinal));
        Assert.Equal(
            "    sandbox: LimitNOFILE=64:64, LimitAS=268435456:1073741824, LimitCPU=infinity:infinity, Nice=5, UMask=0027, NoNewPrivileges=false, PrivateTmp, PrivateNetwork, RuntimeMax=00:02:00 (then SIGKILL after 00:00:03)",
            lines[boxed + 1]);
        int plain = Array.FindIndex(lines, l => l.StartsWith("  plain:", StringComparison.Ordinal));
        Assert.StartsWith("    tcp:127.0.0.1:2", lines[plain + 1], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("sandbox:", StringComparison.Ordinal) && l != lines[boxed + 1]);
    }

    [Fact]
    public async Task Check_lists_every_socket_a_bridge_will_bind_with_its_address_family_file_and_options()
    {
        int port = Ports.Free(), udp = Ports.Free();
        string socket = _dir["web.sock"];
        string config = _dir.Write("bindings.json", $$"""
            {
              "Bridges": {
                "web": { "Listen": ["tcp:localhost:{{port}}", "tcp:*:{{port + 0}}", "unix:{{socket}}", "unix:@sbt-check-{{port}}"],
                         "AllowUsers": ["root"], "AllowFrom": ["127.0.0.0/8"], "BindIPv6Only": "ipv6-only",
                         "User": "root", "Exec": ["/bin/cat"], "Backlog": 128, "SocketMode": "0640", "SocketGroup": "nogroup",
                         "ReusePort": true, "DeferAccept": "5s", "PassCredentials": true },
                "tftp": { "Listen": "udp:127.0.0.1:{{udp}}", "Mode": "handoff", "User": "nobody", "Exec": ["/bin/cat"], "ReceiveBuffer": "64K" }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = [.. result.Stdout.Split('\n').Where(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l.Trim())];
        // localhost resolves to 127.0.0.1, and ::1 where /etc/hosts says so: every address is bound, and
        // BindIPv6Only is among the endpoint's options only when one of them is IPv6.
        IPAddress[] local = [.. Dns.GetHostAddresses("localhost").Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6).Distinct()];
        string localOptions = local.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6) ? "ReusePort, BindIPv6Only=ipv6-only, DeferAccept=5s" : "ReusePort, DeferAccept=5s";
        Assert.Equal(
            [
                .. local.Select(a => a.AddressFamily == AddressFamily.InterNetwork
                    ? $"tcp:localhost:{port}: 127.0.0.1:{port}, TCP/IPv4, backlog 128; {localOptions}"
                    : $"tcp:localhost:{port}: [{a}]:{port}, TCP/IPv6 only, backlog 128; {localOptions}"),
                $"tcp:*:{port}: [::]:{port}, TCP/IPv6 only, backlog 128; ReusePort, BindIPv6Only=ipv6-only, DeferAccept=5s",
                $"unix:{socket}: Unix stream socket file mode 0640, owner root:nogroup, backlog 128; PassCredentials",
                $"unix:@sbt-check-{port}: Unix stream socket in the abstract namespace (no file, no permissions), backlog 128; PassCredentials",
                $"udp:127.0.0.1:{udp}: 127.0.0.1:{udp}, UDP/IPv4; ReceiveBuffer=65536",
            ],
            lines);
    }

    [Fact]
    public async Task A_broken_configuration_fails_the_check_with_exit_78_and_one_line_per_problem_naming_file_bridge_and_key()
    {
        string config = _dir.Write("socketbridge.json", """
            {
              "SocketBridge": { "ShutdownTimeout": "10" },
              "Bridges": {
                "web": { "Lisen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"] },
                "echo": { "Listen": "tcp:127.0.0.1:8081", "User": "root", "Exec": "/bin/cat", "Backlog": 0 }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.DoesNotContain("valid", result.Stdout, StringComparison.Ordinal);
        string[] lines = result.StderrLines;
        Assert.True(lines.Length == 5, result.ToString());
        Assert.Contains(lines, l => l.StartsWith($"{config}: SocketBridge:ShutdownTimeout: \"10\" needs a unit", StringComparison.Ordinal));
        Assert.Contains($"{config}: Bridges:web:Lisen: unknown key (did you mean Listen?)", lines);
        Assert.Contains(lines, l => l.StartsWith($"{config}: Bridges:web:Listen: is required", StringComparison.Ordinal));
        Assert.Contains($"{config}: Bridges:echo:Exec: must be an argv array, as [\"/bin/cat\"], not a string", lines);
        Assert.Contains($"{config}: Bridges:echo:Backlog: must be from 1 to 65535, not 0", lines);
    }

    [Fact]
    public async Task Check_binds_nothing_so_the_port_stays_free_and_no_socket_file_appears()
    {
        int port = Ports.Free();
        string socket = _dir["web.sock"];
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"] },
                "local": { "Listen": "unix:{{socket}}", "User": "root", "Exec": ["/bin/cat"] }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(Path.Exists(socket), $"check created {socket}");
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen();
    }

    [Fact]
    public async Task Check_passes_while_the_running_daemon_holds_the_port_and_the_socket()
    {
        int port = Ports.Free();
        string socket = _dir["web.sock"];
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
        tcp.Listen();
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        unix.Bind(new UnixDomainSocketEndPoint(socket));
        unix.Listen();
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"] },
                "local": { "Listen": "unix:{{socket}}", "User": "root", "Exec": ["/bin/cat"] }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        using Socket client = await Clients.ConnectUnixAsync(socket);
        using Socket accepted = await unix.AcceptAsync().WaitAsync(Wait.DefaultTimeout);
        Assert.True(accepted.Connected);
    }

    [Fact]
    public async Task Two_c_options_merge_with_the_later_file_changing_one_key()
    {
        int first = Ports.Free();
        int second = Ports.Free();
        string main = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:{{first}}", "User": "root", "Exec": ["/bin/cat", "-u"] } } }
            """);
        string dropIn = _dir.Write("10-port.json", $$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:{{second}}" } } }
            """);

        CliResult merged = await Fixtures.Cli.RunAsync("check", "-c", main, "-c", dropIn);
        CliResult reversed = await Fixtures.Cli.RunAsync("check", "-c", dropIn, "-c", main);

        Assert.True(merged.ExitCode == 0, merged.ToString());
        Assert.Contains($"tcp:127.0.0.1:{second}", merged.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"tcp:127.0.0.1:{first}", merged.Stdout, StringComparison.Ordinal);
        Assert.Contains("/bin/cat -u", merged.Stdout, StringComparison.Ordinal);
        Assert.True(reversed.ExitCode == 0, reversed.ToString());
        Assert.Contains($"tcp:127.0.0.1:{first}", reversed.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"tcp:127.0.0.1:{second}", reversed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistake_in_a_drop_in_is_reported_against_the_drop_in_file()
    {
        int port = Ports.Free();
        string main = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        string dropIn = _dir.Write("20-typo.json", """
            { "Bridges": { "web": { "NoDelay": "false" } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", main, "-c", dropIn);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([$"{dropIn}: Bridges:web:NoDelay: must be true or false, not the string \"false\""], result.StderrLines);
    }

    [Fact]
    public async Task Invalid_JSON_fails_the_check_naming_the_file_and_the_line()
    {
        string config = _dir.Write("socketbridge.json", "{\n  \"Bridges\": {\n    \"web\": { \"Listen\": \"tcp:127.0.0.1:8080\", }\n    \"echo\": {}\n  }\n}\n");

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        string line = Assert.Single(result.StderrLines);
        Assert.StartsWith($"{config}: is not valid JSON at line 4,", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_does_not_exist_fails_the_check_naming_it()
    {
        string missing = _dir["missing.json"];

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", missing);

        Assert.True(result.ExitCode == 78, result.ToString());
        string line = Assert.Single(result.StderrLines);
        Assert.StartsWith($"{missing}: cannot read", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Exec_without_execute_permission_fails_the_check()
    {
        string program = _dir.Write("handler.sh", "#!/bin/sh\nexec cat\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        string config = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{program}}"] } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([$"{config}: Bridges:web:Exec: {program} is not executable"], result.StderrLines);
    }
}
