using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Control;

/// <summary>
/// <c>socketbridge reload</c> loads the configuration away from the sockets'
/// event loops: a file that would block or a host name lookup that does not
/// answer never stalls status, the bridges, or SIGTERM.
/// </summary>
public sealed class ReloadWhileBlockedTests
{
    [Fact]
    public async Task A_configuration_replaced_by_a_FIFO_is_refused_at_once_while_status_answers_and_SIGTERM_then_stops_the_daemon()
    {
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "ShutdownTimeout": "2s" },
              "Bridges": { "ok": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "alive"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("ok");
        string config = dir["config.json"];
        File.Delete(config);
        Assert.Equal(0, (await Clients.RunProgramAsync("mkfifo", [config])).ExitCode);

        Task<CliResult> reload = Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
        await Wait.UntilAsync(() => daemon.Notifications.Any(n => n.Contains("RELOADING=1", StringComparison.Ordinal)), "RELOADING=1");

        await AssertStatusAnswersWithinASecondAsync(daemon);
        CliResult refused = await Wait.ForAsync(reload, "the reload's outcome", TimeSpan.FromSeconds(10));
        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Contains($"{config}: is a FIFO, not a configuration file (it must be a regular file)", refused.StderrLines);
        Assert.Equal("alive\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));

        Assert.Equal(0, await daemon.StopAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task While_a_host_name_lookup_hangs_a_reload_status_and_the_bridges_answer_at_once_and_the_reload_is_refused_after()
    {
        await using var dns = SilentNameServer.Start(timeoutSeconds: 4);
        using var dir = new TempDirectory();
        int ok = Ports.Free(), fw = Ports.Free();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string Config(string extra) => $$"""
            { "Bridges": {
                "ok": { "Listen": "tcp:127.0.0.1:{{ok}}", "User": "root", "Exec": ["/bin/echo", "alive"] },
                "fw": { "Listen": "tcp:127.0.0.1:{{fw}}", "Target": "tcp:127.0.0.1:{{backend.Port}}" }{{extra}} } }
            """;
        string config = dir.Write("config.json", Config(string.Empty));
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, launcher: dns.Launcher);

        dir.Write("config.json", Config(""", "slow": { "Listen": "tcp:127.0.0.1:1", "Target": "tcp:sbtest-slow.invalid:80" }"""));
        var clock = Stopwatch.StartNew();
        Task<CliResult> reload = Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
        await Wait.UntilAsync(() => daemon.Notifications.Any(n => n.Contains("RELOADING=1", StringComparison.Ordinal)), "RELOADING=1");

        // The lookup takes 4 s; meanwhile everything answers as usual.
        while (!reload.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            await AssertStatusAnswersWithinASecondAsync(daemon);
            await AssertAnswersWithinASecondAsync(ok, send: null, "alive");
            await AssertAnswersWithinASecondAsync(fw, send: "ping\n", "ping");
        }

        CliResult refused = await Wait.ForAsync(reload, "the reload's outcome", TimeSpan.FromSeconds(20));
        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Contains(refused.StderrLines, l => l.Contains("Bridges:slow:Target", StringComparison.Ordinal) && l.Contains("sbtest-slow.invalid", StringComparison.Ordinal));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3), $"the lookup was expected to hang about 4 s, the reload ended after {clock.Elapsed}");
    }

    [Fact]
    public async Task SIGTERM_stops_the_daemon_in_time_while_a_reload_waits_for_a_host_name_lookup()
    {
        await using var dns = SilentNameServer.Start(timeoutSeconds: 20);
        using var dir = new TempDirectory();
        string Config(string extra) => $$"""
            { "SocketBridge": { "ShutdownTimeout": "1s" },
              "Bridges": { "ok": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "alive"] }{{extra}} } }
            """;
        string config = dir.Write("config.json", Config(string.Empty));
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, launcher: dns.Launcher);
        int ok = await daemon.PortOfAsync("ok");

        dir.Write("config.json", Config(""", "slow": { "Listen": "tcp:127.0.0.1:1", "Target": "tcp:sbtest-slow.invalid:80" }"""));
        Task<CliResult> reload = Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
        await Wait.UntilAsync(() => daemon.Notifications.Any(n => n.Contains("RELOADING=1", StringComparison.Ordinal)), "RELOADING=1");
        await AssertStatusAnswersWithinASecondAsync(daemon);

        var clock = Stopwatch.StartNew();
        Assert.Equal(0, await daemon.StopAsync(TimeSpan.FromSeconds(8)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"stopping took {clock.Elapsed}");
        CliResult abandoned = await Wait.ForAsync(reload, "the reload client to end", TimeSpan.FromSeconds(10));
        Assert.NotEqual(0, abandoned.ExitCode);
    }

    /// <summary>Asks the control socket directly, so the time measured is the daemon's, not a client's start-up.</summary>
    private static async Task AssertStatusAnswersWithinASecondAsync(Daemon daemon)
    {
        var clock = Stopwatch.StartNew();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        string answer;
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(daemon.ControlSocket), deadline.Token);
            await socket.SendAsync("status\n"u8.ToArray(), SocketFlags.None, deadline.Token);
            answer = await Clients.ReadToEndAsync(socket, TimeSpan.FromSeconds(1) - clock.Elapsed);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"status did not answer within a second during the reload");
        }

        Assert.Contains("\"Bridges\"", answer, StringComparison.Ordinal);
    }

    private static async Task AssertAnswersWithinASecondAsync(int port, string? send, string line)
    {
        var clock = Stopwatch.StartNew();
        using Socket socket = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        if (send is not null)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(send));
        }

        Assert.Equal(line, await Clients.ReadLineAsync(socket, TimeSpan.FromSeconds(1)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"port {port} answered after {clock.Elapsed}");
    }
}
