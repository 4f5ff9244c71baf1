using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
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
public sealed partial class DescriptorExhaustionTests
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
    /// The flooded bridge itself, under a limit that leaves it room for about
    /// 40 forwarded connections: through three seconds of flood every client
    /// beyond what fits is closed at once; the bridge logs the shortage once
    /// and refusals at most once a second, with counts that add up to what
    /// the clients saw; as soon as a few of its connections end it serves a
    /// new client at the first try (not after the shortage is declared
    /// over), and once all have ended it is back at its baseline.
    /// </summary>
    [Fact]
    public async Task Flooded_under_a_low_limit_a_forward_bridge_refuses_at_once_logs_a_line_a_second_and_serves_again_as_soon_as_descriptors_free()
    {
        const int Room = 40;
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string config = $$"""
            { "Bridges": { "fw": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "MaxConnections": 1000 } } }
            """;
        int footprint;
        await using (Daemon unlimited = await Daemon.StartAsync(config))
        {
            footprint = ProcFs.OpenDescriptors(unlimited.Pid).Length;
        }

        using var dir = new TempDirectory();
        string file = dir.Write("config.json", config);
        int limit = footprint + DaemonReserve + 32 + 2 * Room;
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", file], dir, ownsDirectory: false, launcher: ["/usr/bin/prlimit", $"--nofile={limit}"]);
        int port = await daemon.PortOfAsync("fw");

        var held = new List<Socket>();
        try
        {
            (int served, int refused) = await FloodAsync(port, Room + 20, held);
            Assert.True(served is >= Room / 2 and <= Room + 8 && refused > 0, $"under a limit of {limit} (footprint {footprint}): {served} served, {refused} refused");

            // Three seconds more of flood, some 400 clients a second (paced, so as
            // not to spend the machine's ports): each is closed at once, none left
            // waiting. A client is served only where two descriptors were still
            // free below the reserve: the first wave's accepts race for them (a
            // connection refused because another took the descriptor its Target
            // would have had leaves the pair free). Such a client gets its echo and
            // stays open, holding the pair, as the first wave's do.
            int servedInFlood = 0;
            var flood = System.Diagnostics.Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
                while (flood.Elapsed < TimeSpan.FromSeconds(3) && await pace.WaitForNextTickAsync())
                {
                    Socket socket = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
                    string answer;
                    try
                    {
                        await socket.SendAsync("x\n"u8.ToArray());
                        answer = await Clients.ReadLineAsync(socket, TimeSpan.FromSeconds(10));
                    }
                    catch (SocketException)
                    {
                        answer = string.Empty; // reset: refused
                    }

                    Assert.True(answer is "" or "x", $"a flood client read {answer}");
                    if (answer.Length == 0)
                    {
                        socket.Dispose();
                        Interlocked.Increment(ref refused);
                    }
                    else
                    {
                        lock (held)
                        {
                            held.Add(socket);
                        }

                        Interlocked.Increment(ref servedInFlood);
                    }
                }
            })));
            Assert.True(served + servedInFlood <= Room + 8, $"{served} clients served before the flood and {servedInFlood} during it ({refused} refused): more than fit under a limit of {limit}");

            Assert.False(daemon.HasExited);
            await Wait.UntilAsync(() => LoggedRefusals(daemon) >= refused, $"entries counting {refused} refusals (so far {LoggedRefusals(daemon)})");
            Assert.Equal(refused, LoggedRefusals(daemon));
            CliResult status = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
            Assert.Equal(refused, JsonDocument.Parse(status.Stdout).RootElement.GetProperty("Bridges").EnumerateArray().Single().GetProperty("Refused").GetInt64());
            Assert.Single(daemon.Logs, l => l.Contains("fw: refusing connections on", StringComparison.Ordinal));
            DateTime[] entries = [.. daemon.Logs.Where(IsRefusalEntry).Select(l => DateTime.ParseExact(l[..23], "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture))];
            Assert.True(entries.Length is >= 2 and <= 6, $"{refused} refusals in 3 s, {entries.Length} entries:\n{string.Join('\n', daemon.Logs)}");
            for (int i = 1; i < entries.Length; i++)
            {
                Assert.True(entries[i] - entries[i - 1] >= TimeSpan.FromMilliseconds(900), $"refusal entries {entries[i] - entries[i - 1]} apart:\n{string.Join('\n', daemon.Logs)}");
            }

            // Three connections end: the six descriptors they held serve the next client at once.
            int before = ProcFs.OpenDescriptors(daemon.Pid).Length;
            for (int i = 0; i < 3; i++)
            {
                Socket socket = held.First(s => s.Connected);
                held.Remove(socket);
                socket.Dispose();
            }

            await Wait.UntilAsync(() => ProcFs.OpenDescriptors(daemon.Pid).Length <= before - 6, "the daemon to close the ended connections' descriptors");
            using (Socket again = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
            {
                await again.SendAsync("again\n"u8.ToArray());
                Assert.Equal("again", await Clients.ReadLineAsync(again, TimeSpan.FromSeconds(10)));
            }
        }
        finally
        {
            foreach (Socket socket in held)
            {
                socket.Dispose();
            }
        }

        await daemon.AssertResourcesReturnToBaselineAsync();
        using (Socket last = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            await last.SendAsync("last\n"u8.ToArray());
            Assert.Equal("last", await Clients.ReadLineAsync(last, TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(0, await daemon.StopAsync());
    }

    private static bool IsRefusalEntry(string line) =>
        line.Contains("fw: refused connection from", StringComparison.Ordinal) || line.Contains("fw: refusing connections on", StringComparison.Ordinal) || RefusedFlush().IsMatch(line);

    /// <summary>What the entries about fw count: 1 for a refusal, 1 + N with "N more", N for a flush.</summary>
    private static long LoggedRefusals(Daemon daemon)
    {
        long total = 0;
        foreach (string line in daemon.Logs)
        {
            if (RefusedFlush().Match(line) is { Success: true } flush)
            {
                total += long.Parse(flush.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            else if (line.Contains("fw: refused connection from", StringComparison.Ordinal))
            {
                total += 1 + (More().Match(line) is { Success: true } more ? long.Parse(more.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
            }
        }

        return total;
    }

    [GeneratedRegex(@"fw: (\d+) more connection\(s\) refused since the last entry")]
    private static partial Regex RefusedFlush();

    [GeneratedRegex(@"; (\d+) more refused since the last entry")]
    private static partial Regex More();

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
