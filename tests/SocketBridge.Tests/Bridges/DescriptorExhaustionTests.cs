using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// One bridge taking every descriptor it may never takes the daemon down
/// nor silences the others: under prlimit, flooded spawn and forward
/// bridges refuse what they cannot keep at once (no client left hanging),
/// a quiet bridge and status answer throughout, the shortage is logged once
/// per bridge, and everything returns to the baseline once the clients go.
/// The audit's configuration: spawn /bin/cat and forward, MaxConnections
/// 1000 each, and an "ok" bridge.
/// </summary>
public sealed class DescriptorExhaustionTests
{
    /// <summary>Descriptors the daemon keeps free for itself (DescriptorReserve.DaemonReserve).</summary>
    private const int DaemonReserve = 16;

    [Theory]
    [InlineData(128)]
    [InlineData(1024)]
    public async Task Under_an_open_file_limit_flooded_bridges_refuse_at_once_while_the_daemon_and_a_quiet_bridge_keep_serving(int limit)
    {
        int sp = Ports.Free(), fw = Ports.Free(), ok = Ports.Free();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string config = $$"""
            { "SocketBridge": { "ShutdownTimeout": "5s" },
              "Bridges": {
                "sp": { "Listen": "tcp:127.0.0.1:{{sp}}", "Exec": ["/bin/cat"], "MaxConnections": 1000, "User": "nobody" },
                "fw": { "Listen": "tcp:127.0.0.1:{{fw}}", "Target": "tcp:127.0.0.1:{{backend.Port}}", "MaxConnections": 1000 },
                "ok": { "Listen": "tcp:127.0.0.1:{{ok}}", "User": "root", "Exec": ["/bin/echo", "alive"] } } }
            """;

        // What this build holds before any connection decides what the limit allows:
        // the framework-dependent build keeps two descriptors per loaded assembly.
        int footprint;
        await using (Daemon unlimited = await Daemon.StartAsync(config))
        {
            footprint = ProcFs.OpenDescriptors(unlimited.Pid).Length;
        }

        using var dir = new TempDirectory();
        string file = dir.Write("config.json", config);
        string[] launcher = ["/usr/bin/prlimit", $"--nofile={limit}"];
        if (footprint + DaemonReserve > limit)
        {
            await AssertRefusesToStartAsync(dir, file, launcher, limit, footprint);
            return;
        }

        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", file], dir, ownsDirectory: false, launcher: launcher);

        // Forward first (two descriptors a connection, and pipes), then spawn:
        // each time the bridge takes what it may, and all comes back after.
        foreach (int port in (int[])[fw, sp])
        {
            string name = port == fw ? "fw" : "sp";
            var held = new List<Socket>();
            try
            {
                (int served, int refused) = await FloodAsync(port, limit + 100, held);
                Assert.True(served > 0 && refused > 0, $"{name} under a limit of {limit} (footprint {footprint}): {served} served, {refused} refused");
                await AssertServingAsync(daemon, ok);
            }
            finally
            {
                foreach (Socket socket in held)
                {
                    socket.Dispose();
                }
            }

            await daemon.AssertResourcesReturnToBaselineAsync();
            await AssertServingAsync(daemon, ok);
            Assert.Single(daemon.Logs, l => l.Contains($"{name}: refusing connections on", StringComparison.Ordinal));
        }

        Assert.Contains(daemon.Logs, l => l.Contains($"the process's open-file limit ({limit})", StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("ok: refus", StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("Out of memory", StringComparison.Ordinal) || l.Contains("Unhandled", StringComparison.Ordinal) || l.Contains("Process terminated", StringComparison.Ordinal));
        Assert.Equal(0, await daemon.StopAsync());
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections and keeps them; each is
    /// either served (a line echoed through cat or the Target) or closed at
    /// once: none is left waiting.
    /// </summary>
    private static async Task<(int Served, int Refused)> FloodAsync(int port, int count, List<Socket> held)
    {
        var sockets = new List<Socket>();
        for (int i = 0; i < count; i++)
        {
            sockets.Add(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));
        }

        int served = 0, refused = 0;
        await Task.WhenAll(sockets.Select(async socket =>
        {
            bool echoed;
            try
            {
                await socket.SendAsync("hello\n"u8.ToArray());
                echoed = await Clients.ReadLineAsync(socket, TimeSpan.FromSeconds(10)) == "hello";
            }
            catch (SocketException)
            {
                echoed = false;
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"a client of port {port} was neither served nor refused within 10 s");
            }

            Interlocked.Increment(ref echoed ? ref served : ref refused);
        }));

        lock (held)
        {
            held.AddRange(sockets);
        }

        return (served, refused);
    }

    private static async Task AssertServingAsync(Daemon daemon, int ok)
    {
        Assert.False(daemon.HasExited, "the daemon died:\n" + string.Join('\n', daemon.Logs.TakeLast(20)));
        Assert.Equal("alive\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, ok)));
        CliResult status = await Fixtures.Cli.RunAsync("status", "--control", daemon.ControlSocket);
        Assert.True(status.ExitCode == 0, status.ToString());
    }

    /// <summary>A limit below what the build holds at rest: one clear entry and exit 1, never an abort.</summary>
    private static async Task AssertRefusesToStartAsync(TempDirectory dir, string file, string[] launcher, int limit, int footprint)
    {
        await using Daemon daemon = Daemon.Launch(["run", "-c", file], dir, ownsDirectory: false, launcher: launcher);
        int exit = await daemon.WaitExitAsync(TimeSpan.FromSeconds(20));
        Assert.True(exit == 1, $"exit {exit} with {footprint} descriptors at rest under a limit of {limit}:\n{string.Join('\n', daemon.Logs)}");
        string entry = Assert.Single(daemon.Logs, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains($"the open-file limit ({limit})", entry, StringComparison.Ordinal);
        Assert.Contains("raise LimitNOFILE", entry, StringComparison.Ordinal);
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("Out of memory", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal));
    }
}
