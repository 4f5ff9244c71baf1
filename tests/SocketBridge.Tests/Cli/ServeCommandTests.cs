using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>SPEC 2: <c>socketbridge serve ENDPOINT -- PROGRAM [ARGS...]</c>, one spawn bridge without a file, like tcpserver.</summary>
public sealed class ServeCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Serve_listens_on_the_endpoint_and_a_client_gets_its_bytes_echoed_by_cat()
    {
        await using Daemon daemon = await Daemon.StartAsync(["serve", "--user", "root", "tcp:127.0.0.1:0", "--", "cat"], new TempDirectory(), ownsDirectory: true);
        int port = await daemon.PortOfAsync("serve");

        string first = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "hello over serve\n");
        string second = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "and again\n");

        Assert.Equal("hello over serve\n", first);
        Assert.Equal("and again\n", second);
    }

    [Fact]
    public async Task Serve_passes_arguments_after_the_double_dash_to_the_program_even_when_they_look_like_options()
    {
        await using Daemon daemon = await Daemon.StartAsync(["serve", "--user", "root", "tcp:127.0.0.1:0", "--", "/bin/echo", "-n", "--help", "-c"], new TempDirectory(), ownsDirectory: true);
        int port = await daemon.PortOfAsync("serve");

        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.Equal("--help -c", reply);
    }

    [Fact]
    public async Task Serve_on_a_unix_socket_serves_clients_there()
    {
        using var dir = new TempDirectory();
        string socket = dir["serve.sock"];
        await using Daemon daemon = await Daemon.StartAsync(["serve", "--user", "root", $"unix:{socket}", "--", "cat"], dir, ownsDirectory: false);

        string reply = await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(socket), "over unix\n");

        Assert.Equal("over unix\n", reply);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1", "has no port")]
    [InlineData("tcp:127.0.0.1:65536", "invalid port")]
    [InlineData("127.0.0.1:8080", "unknown scheme")]
    [InlineData("unix:relative.sock", "absolute path")]
    public async Task Serve_with_a_bad_endpoint_exits_78_saying_what_is_wrong_with_it(string endpoint, string why)
    {
        CliResult result = await Fixtures.Cli.RunAsync(["serve", "--user", "root", endpoint, "--", "cat"], Deadline);

        Assert.True(result.ExitCode == 78, result.ToString());
        string line = Assert.Single(result.StderrLines);
        Assert.Contains($"\"{endpoint}\"", line, StringComparison.Ordinal);
        Assert.Contains(why, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_on_port_0_listens_on_the_port_the_kernel_picks_and_logs_it()
    {
        // Port 0 was refused here before; a Listen takes it now (a Target still refuses it: KernelPortTests).
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync(["serve", "--user", "root", "tcp:127.0.0.1:0", "--", "/bin/echo", "picked"], dir, ownsDirectory: false);
        int port = await daemon.PortOfAsync("serve");

        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.NotEqual(0, port);
        Assert.Equal("picked\n", reply);
    }

    [Fact]
    public async Task Serve_with_a_program_that_does_not_exist_exits_78_naming_it()
    {
        using var dir = new TempDirectory();
        string program = dir["no-such-program"];

        CliResult result = await Fixtures.Cli.RunAsync(["serve", "--user", "root", "tcp:127.0.0.1:0", "--", program], Deadline);

        Assert.True(result.ExitCode == 78, result.ToString());
        string line = Assert.Single(result.StderrLines);
        Assert.Contains($"{program} does not exist", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_as_root_without_user_exits_78_saying_to_give_user()
    {
        CliResult result = await Fixtures.Cli.RunAsync(["serve", "tcp:127.0.0.1:0", "--", "cat"], Deadline);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal(["socketbridge serve: --user: is required when socketbridge runs as root: give the account PROGRAM runs as (--user nobody, or --user root to keep root explicitly)"], result.StderrLines);
    }

    [Fact]
    public async Task Serve_with_user_and_group_runs_the_program_as_them()
    {
        await using Daemon daemon = await Daemon.StartAsync(
            ["serve", "--user", "nobody", "--group", "nogroup", "tcp:127.0.0.1:0", "--", "/bin/sh", "-c", "echo $(id -u) $(id -g) $(id -G)"],
            new TempDirectory(),
            ownsDirectory: true);
        int port = await daemon.PortOfAsync("serve");

        string reply = await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.Equal("65534 65534 65534\n", reply);
    }

    [Fact]
    public async Task Serve_with_an_unknown_user_exits_78_naming_the_option()
    {
        CliResult result = await Fixtures.Cli.RunAsync(["serve", "--user", "sbt-no-such-user", "tcp:127.0.0.1:0", "--", "cat"], Deadline);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal(["socketbridge serve: --user: there is no user \"sbt-no-such-user\""], result.StderrLines);
    }

    [Fact]
    public async Task Serve_without_a_program_is_bad_usage()
    {
        CliResult result = await Fixtures.Cli.RunAsync(["serve", "--user", "root", "tcp:127.0.0.1:0"], Deadline);

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.NotEqual(string.Empty, result.Stderr);
    }
}
