using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Hosting;

/// <summary>
/// SIGUSR1 (xinetd's state dump) no longer kills the daemon without cleanup:
/// it is logged and ignored. SIGUSR2 re-executes the daemon; after it,
/// SIGTERM still cleans up what the first image made.
/// </summary>
public sealed class UserSignalsTests
{
    private const int SIGUSR1 = 10;
    private const int SIGUSR2 = 12;

    [Fact]
    public async Task SIGUSR1_is_logged_and_ignored_SIGUSR2_reexecutes_and_SIGTERM_still_cleans_up()
    {
        using var dir = new TempDirectory();
        string socket = dir["app.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "tcp": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "pong"] },
                "unix": { "Listen": "unix:{{socket}}", "User": "root", "Exec": ["/bin/echo", "pong"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("tcp");

        // One at a time: the kernel folds a signal sent while the same one is pending.
        int pid = daemon.Pid;
        daemon.Signal(SIGUSR1);
        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("SIGUSR1 received: ignored", StringComparison.Ordinal)) == 1, "an entry for the first SIGUSR1");
        daemon.Signal(SIGUSR2);
        await daemon.WaitForLogAsync("re-executed (asked by SIGUSR2)", TimeSpan.FromSeconds(60));
        daemon.Signal(SIGUSR1);
        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("SIGUSR1 received: ignored", StringComparison.Ordinal)) == 2, "an entry for the second SIGUSR1, by the new image");

        Assert.DoesNotContain(daemon.Logs, l => l.Contains("SIGUSR2 received: ignored", StringComparison.Ordinal));
        Assert.False(daemon.HasExited);
        Assert.Equal(pid, daemon.Pid);
        Assert.Equal("pong\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        Assert.Equal("pong\n", await Clients.ReadToEndAsync(await Clients.ConnectUnixAsync(socket)));

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Contains(daemon.Logs, l => l.Contains("stopped", StringComparison.Ordinal));
        Assert.False(File.Exists(socket), "SIGTERM removes the socket file the first image made");
    }
}
