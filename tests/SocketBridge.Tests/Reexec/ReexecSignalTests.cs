using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// Issue 17, section 1: SIGUSR2 re-executes the daemon as <c>socketbridge
/// reexec</c> does (nginx's binary upgrade), and its outcome, done or
/// refused, is in the log.
/// </summary>
public sealed class ReexecSignalTests
{
    [Fact]
    public async Task SIGUSR2_reexecutes_the_daemon_in_place_keeping_its_connections_and_counters_and_logs_it()
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await ReexecDriver.StartAsync(dir, dir.Write("config.json", $$"""
            { "Bridges": {
                "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """));
        int pid = daemon.Pid;
        int echoPort = await daemon.PortOfAsync("echo");
        int relayPort = await daemon.PortOfAsync("relay");
        using Socket program = await Clients.ConnectTcpAsync(IPAddress.Loopback, echoPort);
        await Clients.EchoLineAsync(program, "before");
        using Socket forwarded = await Clients.ConnectTcpAsync(IPAddress.Loopback, relayPort);
        await Clients.EchoLineAsync(forwarded, "before");
        (int firstChild, char _) = Assert.Single(ProcFs.Children(pid));
        string firstId = ReexecDriver.ConnectionIdOf(firstChild);
        Assert.EndsWith("-1", firstId, StringComparison.Ordinal);
        Dictionary<string, long> before = ReexecDriver.Counters(await ReexecDriver.StatusAsync(daemon));
        Assert.Empty(ReexecDriver.ReexecLines(daemon));
        int[] threads = ReexecDriver.OtherThreads(pid);

        await ReexecDriver.SignalAndWaitAsync(daemon);

        Assert.Equal(2, ReexecDriver.ReadyCount(daemon));
        Assert.Contains(ReexecDriver.ReexecLines(daemon), ReexecDriver.IsSuccess);
        Assert.Equal(pid, daemon.Pid);
        Assert.False(ReexecDriver.SameImage(pid, threads), "SIGUSR2 left the old image's threads: no execve happened");
        var status = await ReexecDriver.StatusAsync(daemon);
        Assert.Equal(pid, status.GetProperty("Pid").GetInt32());
        Dictionary<string, long> after = ReexecDriver.Counters(status);
        Assert.Empty(ReexecDriver.Decreases(before, after));
        Assert.Equal(1, after["bridge echo Total"]);
        Assert.Equal(1, after["bridge relay Total"]);

        await Clients.EchoLineAsync(program, "after");
        await Clients.EchoLineAsync(forwarded, "after");

        // The next connection's id follows the first image's sequence (the
        // forwarded connection was the second).
        using (Socket third = await Clients.ConnectTcpAsync(IPAddress.Loopback, echoPort))
        {
            await Clients.EchoLineAsync(third, "new");
            (int thirdChild, char _) = Assert.Single(ProcFs.Children(pid), c => c.Pid != firstChild);
            Assert.Equal(firstId[..^1] + "3", ReexecDriver.ConnectionIdOf(thirdChild));
            third.Shutdown(SocketShutdown.Send);
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(third));
        }

        program.Shutdown(SocketShutdown.Send);
        forwarded.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(program));
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(forwarded));
        await daemon.AssertResourcesReturnToBaselineAsync();

        // The image that stops cleans up what the first one made.
        Assert.Equal(0, await daemon.StopAsync());
        Assert.False(File.Exists(daemon.ControlSocket), "the control socket is left behind by a daemon stopped after a re-exec");
    }

    [Fact]
    public async Task A_refused_SIGUSR2_is_logged_and_the_daemon_goes_on_serving()
    {
        using var install = new PrivateInstall();
        using var dir = new TempDirectory();
        string config = dir.Write("config.json", """
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = await ReexecDriver.StartAsync(dir, config, install.Path);
        int port = await daemon.PortOfAsync("echo");
        using Socket held = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await Clients.EchoLineAsync(held, "before");
        install.Delete();
        int[] threads = ReexecDriver.OtherThreads(daemon.Pid);

        daemon.Signal(ReexecDriver.SIGUSR2);

        string refusal = await daemon.WaitForLogAsync(
            l => l.Contains("re-exec", StringComparison.OrdinalIgnoreCase) && l.Contains("refused", StringComparison.OrdinalIgnoreCase),
            "the refused re-exec");
        Assert.Contains(install.Path, refusal);
        Assert.False(daemon.HasExited);
        Assert.True(ReexecDriver.SameImage(daemon.Pid, threads), "the daemon's threads are all new: it executed something");
        Assert.DoesNotContain(daemon.Logs, ReexecDriver.IsSuccess);
        await Clients.EchoLineAsync(held, "after");
        Assert.Equal("new\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "new\n"));
        held.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(held));
        await daemon.AssertResourcesReturnToBaselineAsync();
        Assert.Equal(0, await daemon.StopAsync());
    }
}
