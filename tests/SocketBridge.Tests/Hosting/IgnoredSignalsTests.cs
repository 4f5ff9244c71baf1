using System.Net;
using SocketBridge.Tests.Fixtures;
using SocketBridge.Tests.Reexec;

namespace SocketBridge.Tests.Hosting;

/// <summary>
/// A daemon started with its signals ignored (nohup, or a supervisor that
/// ignores SIGHUP or SIGTERM) still reloads on SIGHUP, re-executes on SIGUSR2,
/// logs SIGUSR1 and stops on SIGTERM: the runtime would leave an ignored
/// signal ignored, so the daemon takes them back first, and says so. Its
/// programs start with every signal at its default.
/// </summary>
public sealed class IgnoredSignalsTests
{
    private const int SIGUSR1 = 10;

    [Fact]
    public async Task Started_with_HUP_TERM_USR1_and_USR2_ignored_the_daemon_still_reloads_reexecutes_and_stops_on_them()
    {
        using var dir = new TempDirectory();
        string config = dir.Write("config.json", """
            { "Bridges": { "sig": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/sh", "-c", "grep '^SigIgn' /proc/self/status"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(
            ["run", "-c", config], dir, ownsDirectory: false, launcher: ["/usr/bin/env", "--ignore-signal=HUP,TERM,USR1,USR2"]);
        int pid = daemon.Pid;
        // SIGTERM too where the runtime had not taken it already (the JIT build's runtime has).
        await daemon.WaitForLogAsync("started with SIGHUP, SIGUSR1, SIGUSR2");

        // A program gets no ignored signal of the daemon's (SigIgn all zero).
        int port = await daemon.PortOfAsync("sig");
        Assert.Equal("SigIgn:\t0000000000000000\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));

        daemon.Signal(LibC.SIGHUP);
        await daemon.WaitForLogAsync("SIGHUP: reloading the configuration");
        await daemon.WaitForLogAsync("reloaded: 1 bridge(s)");

        daemon.Signal(SIGUSR1);
        await daemon.WaitForLogAsync("SIGUSR1 received: ignored");

        await ReexecDriver.SignalAndWaitAsync(daemon);
        Assert.Equal(pid, daemon.Pid);
        Assert.Equal("SigIgn:\t0000000000000000\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("sig"))));

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Contains(daemon.Logs, l => l.EndsWith("stopped", StringComparison.Ordinal));
    }
}
