using System.Net;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Hosting;

/// <summary>SIGUSR1 and SIGUSR2 (xinetd's state dump, a future re-exec) no longer kill the daemon without cleanup: they are logged and ignored.</summary>
public sealed class UserSignalsTests
{
    private const int SIGUSR1 = 10;
    private const int SIGUSR2 = 12;

    [Fact]
    public async Task SIGUSR1_and_SIGUSR2_are_logged_and_ignored_and_SIGTERM_still_cleans_up()
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
        int sent = 0;
        foreach (int signal in (int[])[SIGUSR1, SIGUSR2, SIGUSR1])
        {
            daemon.Signal(signal);
            sent++;
            await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("received: ignored", StringComparison.Ordinal)) == sent, $"an entry for signal {sent}");
        }

        Assert.Equal(2, daemon.Logs.Count(l => l.Contains("SIGUSR1 received: ignored", StringComparison.Ordinal)));
        Assert.Single(daemon.Logs, l => l.Contains("SIGUSR2 received: ignored", StringComparison.Ordinal));
        Assert.False(daemon.HasExited);
        Assert.Equal("pong\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        Assert.Equal("pong\n", await Clients.ReadToEndAsync(await Clients.ConnectUnixAsync(socket)));

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Contains(daemon.Logs, l => l.Contains("stopped", StringComparison.Ordinal));
        Assert.False(File.Exists(socket), "SIGTERM removes the socket file");
    }
}
