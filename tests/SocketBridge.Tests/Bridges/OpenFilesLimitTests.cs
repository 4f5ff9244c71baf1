using System.Net;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// systemd starts services with a soft open-file limit of 1024 (and a hard
/// one of 524288), for programs that still use select(2), and expects a
/// daemon that needs more to raise its own soft limit. The daemon does, in
/// both builds, so a default forward bridge holds far more than the ~480
/// forwarded connections 1024 descriptors allow; its programs keep 1024.
/// </summary>
public sealed class OpenFilesLimitTests
{
    private const int Held = 1200;

    [Fact]
    public async Task Started_with_a_soft_limit_of_1024_a_default_forward_bridge_holds_1200_connections_at_once()
    {
        long hard = HardLimit();
        Assert.True(hard >= 4 * Held, $"this test needs a hard open-file limit of at least {4 * Held} (it is {hard}): raise it (ulimit -Hn) for the test run");
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string config = dir.Write("config.json", $$"""
            { "Bridges": {
                "fw": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" },
                "limits": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/sh", "-c", "echo $(ulimit -Sn) $(ulimit -Hn)"] } } }
            """);
        // As systemd starts a service: soft 1024, the hard limit as it is.
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, launcher: ["/usr/bin/prlimit", "--nofile=1024:"]);
        int port = await daemon.PortOfAsync("fw");
        int spawn = await daemon.PortOfAsync("limits");

        Assert.Equal($"{hard} {hard}", OpenFilesLimits(daemon.Pid));

        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < Held; i++)
            {
                clients.Add(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));
            }

            // Every one is served through to the backend, all open at once.
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                await client.SendAsync(System.Text.Encoding.ASCII.GetBytes($"client {i}\n"));
                Assert.Equal($"client {i}", await Clients.ReadLineAsync(client));
            }));
            Assert.Equal(Held, backend.Accepted);
        }
        finally
        {
            foreach (Socket client in clients)
            {
                client.Dispose();
            }
        }

        Assert.DoesNotContain(daemon.Logs, l => l.Contains("refused", StringComparison.Ordinal) || l.Contains("descriptors are short", StringComparison.Ordinal));

        // Launched programs still get the conventional soft limit.
        Assert.Equal($"1024 {hard}\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, spawn)));
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task At_start_the_daemon_logs_the_open_file_limit_it_runs_with_and_about_how_many_forwarded_connections_that_allows()
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "fw": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, launcher: ["/usr/bin/prlimit", "--nofile=1024:4096"]);

        string line = await daemon.WaitForLogAsync("open-file limit ");
        Match m = Regex.Match(line, @"open-file limit (?<limit>\d+) \(started with (?<from>\d+), hard limit (?<hard>\d+)\): room for about (?<room>\d+) forwarded connections, two descriptors each, beside the (?<open>\d+) open now and the last 48 kept in reserve");
        Assert.True(m.Success, line);
        Assert.Equal("4096", m.Groups["limit"].Value);
        Assert.Equal("4096", m.Groups["hard"].Value);
        // The NativeAOT program raises the limit itself; in the framework-dependent
        // build the runtime already did before the daemon's code ran.
        Assert.Equal(File.Exists(Binary.Path + ".dll") ? "4096" : "1024", m.Groups["from"].Value);
        int open = int.Parse(m.Groups["open"].Value, CultureInfo.InvariantCulture);
        int now = ProcFs.OpenDescriptors(daemon.Pid).Length;
        Assert.InRange(open, now - 8, now + 8);
        Assert.Equal((4096 - open - 48) / 2, int.Parse(m.Groups["room"].Value, CultureInfo.InvariantCulture));
        Assert.Single(daemon.Logs, l => l.Contains("open-file limit ", StringComparison.Ordinal));
        Assert.True(Array.IndexOf(daemon.Logs, line) < Array.FindIndex(daemon.Logs, l => l.Contains("socketbridge ready", StringComparison.Ordinal)), "it comes before ready");
    }

    private static long HardLimit() => long.Parse(File.ReadAllLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]);

    /// <summary>"SOFT HARD" from /proc/PID/limits.</summary>
    private static string OpenFilesLimits(int pid)
    {
        string[] fields = File.ReadAllLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return $"{fields[3]} {fields[4]}";
    }
}
