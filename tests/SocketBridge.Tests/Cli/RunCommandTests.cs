using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>SPEC 2: <c>socketbridge run</c> refuses a bad configuration with exit 78, so the unit can say RestartPreventExitStatus=78.</summary>
public sealed class RunCommandTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Run_with_a_broken_configuration_exits_78_with_the_same_lines_as_check_and_no_stack_trace()
    {
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "KeepAlive": "yes" },
                "Echo": { "Listen": "tcp:127.0.0.1", "User": "root", "Exec": ["{{_dir["missing"]}}"] }
              }
            }
            """);

        CliResult check = await Fixtures.Cli.RunAsync(["check", "-c", config], Deadline);
        CliResult run = await Fixtures.Cli.RunAsync(["run", "-c", config], Deadline);

        Assert.True(run.ExitCode == 78, run.ToString());
        Assert.Equal(check.StderrLines, run.StderrLines);
        Assert.Equal(4, run.StderrLines.Length);
        Assert.All(run.StderrLines, l => Assert.StartsWith($"{config}: Bridges:", l, StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith($"{config}: Bridges:web:KeepAlive: ", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith($"{config}: Bridges:Echo: ", StringComparison.Ordinal));
        Assert.Contains(run.StderrLines, l => l.StartsWith($"{config}: Bridges:Echo:Listen: ", StringComparison.Ordinal));
        Assert.Contains($"{config}: Bridges:Echo:Exec: {_dir["missing"]} does not exist", run.StderrLines);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task Run_with_a_file_that_does_not_exist_exits_78_naming_the_file()
    {
        string missing = _dir["nonexistent.json"];

        CliResult run = await Fixtures.Cli.RunAsync(["run", "-c", missing], Deadline);

        Assert.True(run.ExitCode == 78, run.ToString());
        string line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"{missing}: ", line, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task Run_with_invalid_JSON_exits_78_naming_the_file_and_the_line()
    {
        string config = _dir.Write("socketbridge.json", "{ \"Bridges\": {\n\n  \"web\": { \"Listen\": tcp:127.0.0.1:1 }\n} }\n");

        CliResult run = await Fixtures.Cli.RunAsync(["run", "-c", config], Deadline);

        Assert.True(run.ExitCode == 78, run.ToString());
        string line = Assert.Single(run.StderrLines);
        Assert.StartsWith($"{config}: is not valid JSON at line 3,", line, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public async Task Run_with_a_broken_configuration_never_reports_ready_to_systemd()
    {
        string config = _dir.Write("socketbridge.json", """
            { "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "User": "root", "Exec": ["/bin/cat"], "Lisen": "x" } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", config], _dir, ownsDirectory: false);

        int exitCode = await daemon.WaitExitAsync(Deadline);

        Assert.Equal(78, exitCode);
        Assert.DoesNotContain(daemon.Notifications, n => n.Split('\n').Contains("READY=1"));
        await daemon.WaitForLogAsync($"{config}: Bridges:web:Lisen: unknown key (did you mean Listen?)");
    }

    [Fact]
    public async Task Run_with_two_c_options_listens_where_the_later_file_says()
    {
        int first = Ports.Free();
        int second = Ports.Free();
        string main = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:{{first}}", "User": "root", "Exec": ["cat"] } } }
            """);
        string dropIn = _dir.Write("10-port.json", $$"""
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:{{second}}" } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", main, "-c", dropIn], _dir, ownsDirectory: false);

        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, second), "merged\n");

        Assert.Equal("merged\n", reply);
        var refused = await Assert.ThrowsAsync<SocketException>(() => Clients.ConnectTcpAsync(IPAddress.Loopback, first));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    private static void AssertNoStackTrace(CliResult result)
    {
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stdout, StringComparison.Ordinal);
    }
}
