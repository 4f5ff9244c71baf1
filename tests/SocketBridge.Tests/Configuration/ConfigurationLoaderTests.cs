using System.Net;
using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>SPEC 2 and 3: files are read in order and merged key by key; the result is a validated model.</summary>
public sealed class ConfigurationLoaderTests
{
    [Fact]
    public void A_minimal_bridge_gets_the_documented_defaults()
    {
        // As a daemon that is not root: as root, User is required.
        SocketBridgeOptions options = new ConfigurationLoader(new NotRoot()).LoadText("test", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Equal(TimeSpan.FromSeconds(10), options.Daemon.ShutdownTimeout);
        Assert.Equal("/run/socketbridge/control.sock", options.Daemon.ControlSocket);
        Assert.Equal(LogLevel.Information, options.Daemon.LogLevel);
        BridgeOptions echo = Assert.Single(options.Bridges);
        Assert.Equal("echo", echo.Name);
        Assert.Equal("test", echo.File);
        Assert.Equal(new TcpEndpoint("127.0.0.1", 7000), Assert.Single(echo.Listen.Endpoints).Endpoint);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 7000)], Assert.Single(echo.Listen.Endpoints).Addresses);
        Assert.Equal(BridgeMode.Spawn, echo.Mode);
        Assert.Equal("/bin/cat", echo.Program!.Exec.Path);
        Assert.Equal(["/bin/cat"], echo.Program!.Exec.Arguments);
        Assert.Equal("/", echo.Program!.WorkingDirectory);
        Assert.Equal(0x1B0u, echo.Listen.SocketMode);
        Assert.Equal(4096, echo.Listen.Backlog);
        Assert.Equal(64, echo.MaxConnections);
        Assert.Equal(StandardErrorMode.Journal, echo.Program!.StandardError);
        Assert.Equal(SocketOptions.None, echo.Listen.SocketOptions);
        Assert.True(echo.NoDelay);
        Assert.Null(echo.Program!.Credentials);
        Assert.Empty(echo.Program!.Environment);
    }

    [Fact]
    public void Every_documented_key_that_is_given_is_read()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test", """
            {
              "SocketBridge": { "ShutdownTimeout": "2min", "LogLevel": "Debug", "ControlSocket": "/run/sb-test/control.sock" },
              "Bridges": {
                "echo.v2_x-1": {
                  "Listen": ["unix:/run/sb-test/echo.sock", "tcp:127.0.0.1:7001"],
                  "Mode": "spawn",
                  "User": "root", "Exec": ["/bin/cat", "-u"],
                  "Environment": { "GREETING": "hello world" },
                  "WorkingDirectory": "/tmp",
                  "SocketMode": "0600",
                  "Backlog": 16,
                  "MaxConnections": 3,
                  "StandardError": "socket",
                  "KeepAlive": true,
                  "NoDelay": false
                }
              }
            }
            """);

        Assert.Equal(TimeSpan.FromMinutes(2), options.Daemon.ShutdownTimeout);
        Assert.Equal(LogLevel.Debug, options.Daemon.LogLevel);
        Assert.Equal("/run/sb-test/control.sock", options.Daemon.ControlSocket);
        BridgeOptions echo = Assert.Single(options.Bridges);
        Assert.Equal("echo.v2_x-1", echo.Name);
        Assert.Equal([new UnixEndpoint("/run/sb-test/echo.sock"), new TcpEndpoint("127.0.0.1", 7001)], echo.Listen.Endpoints.Select(e => e.Endpoint));
        Assert.Equal(["/bin/cat", "-u"], echo.Program!.Exec.Arguments);
        Assert.Equal(["GREETING=hello world"], echo.Program!.Environment);
        Assert.Equal("/tmp", echo.Program!.WorkingDirectory);
        Assert.Equal(0x180u, echo.Listen.SocketMode);
        Assert.Equal(16, echo.Listen.Backlog);
        Assert.Equal(3, echo.MaxConnections);
        Assert.Equal(StandardErrorMode.Socket, echo.Program!.StandardError);
        Assert.True(echo.Listen.SocketOptions.KeepAlive);
        Assert.False(echo.NoDelay);
    }

    [Fact]
    public void A_program_name_without_a_slash_is_found_in_PATH_when_loaded()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["cat", "-u"] } } }
            """);

        ExecOptions exec = Assert.Single(options.Bridges).Program!.Exec;
        Assert.StartsWith("/", exec.Path, StringComparison.Ordinal);
        Assert.EndsWith("/cat", exec.Path, StringComparison.Ordinal);
        Assert.True(File.Exists(exec.Path));
        Assert.Equal(["cat", "-u"], exec.Arguments);
    }

    [Fact]
    public void A_host_name_is_resolved_when_the_configuration_is_loaded()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test", """
            { "Bridges": { "echo": { "Listen": "tcp:localhost:7000", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        BridgeOptions echo = Assert.Single(options.Bridges);
        Assert.Equal(new TcpEndpoint("localhost", 7000), Assert.Single(echo.Listen.Endpoints).Endpoint);
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 7000), Assert.Single(echo.Listen.Endpoints).Addresses);
        Assert.All(Assert.Single(echo.Listen.Endpoints).Addresses, a => Assert.True(IPAddress.IsLoopback(a.Address), $"{a} is not loopback"));
        Assert.Equal(Assert.Single(echo.Listen.Endpoints).Addresses.Count, Assert.Single(echo.Listen.Endpoints).Addresses.Distinct().Count());
    }

    [Fact]
    public void Several_bridges_come_out_in_the_order_they_were_written()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test", """
            {
              "Bridges": {
                "zeta": { "Listen": "tcp:127.0.0.1:7003", "User": "root", "Exec": ["/bin/cat"] },
                "alpha": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"] },
                "mid": { "Listen": "unix:@sb-test-mid", "User": "root", "Exec": ["/bin/cat"] }
              }
            }
            """);

        Assert.Equal(["zeta", "alpha", "mid"], options.Bridges.Select(b => b.Name));
    }

    [Fact]
    public void A_later_file_changes_one_key_of_one_bridge_and_leaves_the_rest()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("socketbridge.json", """
            {
              "SocketBridge": { "ShutdownTimeout": "5s" },
              "Bridges": {
                "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/cat", "-u"], "MaxConnections": 5 },
                "other": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"] }
              }
            }
            """);
        string dropIn = dir.Write("10-echo-port.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7100" } } }
            """);

        SocketBridgeOptions options = new ConfigurationLoader().Load([main, dropIn]);

        Assert.Equal([main, dropIn], options.Files);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Daemon.ShutdownTimeout);
        BridgeOptions echo = options.Bridges.Single(b => b.Name == "echo");
        Assert.Equal(new TcpEndpoint("127.0.0.1", 7100), Assert.Single(echo.Listen.Endpoints).Endpoint);
        Assert.Equal(["/bin/cat", "-u"], echo.Program!.Exec.Arguments);
        Assert.Equal(5, echo.MaxConnections);
        Assert.Equal(dropIn, echo.File);
        BridgeOptions other = options.Bridges.Single(b => b.Name == "other");
        Assert.Equal(new TcpEndpoint("127.0.0.1", 7001), Assert.Single(other.Listen.Endpoints).Endpoint);
        Assert.Equal(main, other.File);
    }

    [Fact]
    public void The_last_of_several_files_wins()
    {
        using var dir = new TempDirectory();
        string first = dir.Write("a.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"] } } }""");
        string second = dir.Write("b.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7002" } } }""");
        string third = dir.Write("c.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7003" } } }""");

        Assert.Equal(new TcpEndpoint("127.0.0.1", 7003), Assert.Single(new ConfigurationLoader().Load([first, second, third]).Bridges).Listen.Endpoints[0].Endpoint);
        Assert.Equal(new TcpEndpoint("127.0.0.1", 7001), Assert.Single(new ConfigurationLoader().Load([second, third, first]).Bridges).Listen.Endpoints[0].Endpoint);
    }

    [Fact]
    public void A_later_file_can_add_a_bridge()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("main.json", """{ "Bridges": { "one": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"] } } }""");
        string dropIn = dir.Write("two.json", """{ "Bridges": { "two": { "Listen": "tcp:127.0.0.1:7002", "User": "root", "Exec": ["/bin/cat"] } } }""");

        SocketBridgeOptions options = new ConfigurationLoader().Load([main, dropIn]);

        Assert.Equal(["one", "two"], options.Bridges.Select(b => b.Name));
    }

    [Fact]
    public void An_Exec_array_in_a_later_file_replaces_the_whole_command_line()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("main.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/cat", "-u", "-v"] } } }
            """);
        string dropIn = dir.Write("exec.json", """
            { "Bridges": { "echo": { "User": "root", "Exec": ["/usr/bin/true"] } } }
            """);

        ExecOptions exec = Assert.Single(new ConfigurationLoader().Load([main, dropIn]).Bridges).Program!.Exec;

        Assert.Equal("/usr/bin/true", exec.Path);
        Assert.Equal(["/usr/bin/true"], exec.Arguments);
    }

    [Fact]
    public void Environment_objects_merge_variable_by_variable()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("main.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/cat"], "Environment": { "A": "1", "B": "2" } } } }
            """);
        string dropIn = dir.Write("env.json", """
            { "Bridges": { "echo": { "Environment": { "B": "two", "C": "3" } } } }
            """);

        BridgeOptions echo = Assert.Single(new ConfigurationLoader().Load([main, dropIn]).Bridges);

        Assert.Equal(["A=1", "B=two", "C=3"], echo.Program!.Environment.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keys_are_case_sensitive_so_a_lower_case_key_is_an_unknown_key_with_a_suggestion()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("main.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"] } } }""");
        string dropIn = dir.Write("case.json", """{ "Bridges": { "echo": { "listen": "tcp:127.0.0.1:7002" } } }""");

        ConfigurationException ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().Load([main, dropIn]));

        ConfigurationError error = Assert.Single(ex.Errors);
        Assert.Equal($"{dropIn}: Bridges:echo:listen: unknown key (did you mean Listen?)", error.ToString());
    }

    [Fact]
    public void A_later_file_can_fix_what_an_earlier_file_got_wrong()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("main.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1", "User": "root", "Exec": ["/bin/cat"] } } }""");
        string dropIn = dir.Write("fix.json", """{ "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7002" } } }""");

        BridgeOptions echo = Assert.Single(new ConfigurationLoader().Load([main, dropIn]).Bridges);

        Assert.Equal(new TcpEndpoint("127.0.0.1", 7002), Assert.Single(echo.Listen.Endpoints).Endpoint);
    }

    [Fact]
    public void An_error_names_the_file_that_set_the_key_and_not_another()
    {
        using var dir = new TempDirectory();
        string main = dir.Write("main.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/cat"], "Backlog": 0 } } }
            """);
        string dropIn = dir.Write("dropin.json", """
            { "Bridges": { "echo": { "MaxConnections": 0 } } }
            """);

        string[] lines = ConfigurationErrors.Lines(main, dropIn);

        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith($"{main}: Bridges:echo:Backlog: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{dropIn}: Bridges:echo:MaxConnections: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_file_is_reported_by_name_together_with_the_errors_of_the_others()
    {
        using var dir = new TempDirectory();
        string missing = dir["missing.json"];
        string present = dir.Write("present.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:7000", "User": "root", "Exec": ["/bin/cat"], "Backlog": -1 } } }
            """);

        string[] lines = ConfigurationErrors.Lines(missing, present);

        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"{missing}: cannot read", lines[0], StringComparison.Ordinal);
        Assert.StartsWith($"{present}: Bridges:echo:Backlog: ", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Text_from_the_command_line_is_named_by_its_origin_in_errors()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("command line", """
            { "Bridges": { "serve": { "Listen": "tcp:nowhere", "User": "root", "Exec": ["/bin/cat"] } } }
            """));

        ConfigurationError error = Assert.Single(ex.Errors);
        Assert.Equal("command line", error.File);
        Assert.Equal("Bridges:serve:Listen", error.Key);
        Assert.Contains("has no port", error.Message, StringComparison.Ordinal);
        Assert.Equal($"command line: Bridges:serve:Listen: {error.Message}", error.ToString());
    }

    [Fact]
    public void No_bridges_at_all_is_a_valid_if_idle_configuration()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test", """{ "SocketBridge": { "LogLevel": "Warning" } }""");

        Assert.Empty(options.Bridges);
        Assert.Equal(LogLevel.Warning, options.Daemon.LogLevel);
    }

    [Fact]
    public void Loading_no_files_at_all_is_an_error_that_says_where_the_configuration_was_looked_for()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().Load([]));

        ConfigurationError error = Assert.Single(ex.Errors);
        Assert.Contains("/etc/socketbridge/bridges.d", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("-c", error.Message, StringComparison.Ordinal);
    }

    private sealed class NotRoot : ConfigurationEnvironment
    {
        public override uint EffectiveUid => 1000;

        public override uint EffectiveGid => 1000;
    }
}
