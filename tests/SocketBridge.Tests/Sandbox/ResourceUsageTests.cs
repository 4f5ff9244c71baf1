using System.Net;
using System.Text.RegularExpressions;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>The exit entry reports the CPU time and maximum RSS the program used (wait4's rusage), in the console line and the journal.</summary>
public sealed partial class ResourceUsageTests
{
    /// <summary>Burns 0.25 s of its own CPU time, then says so.</summary>
    private const string Burn = "import time\\nwhile time.process_time() < 0.25: pass\\nprint('burnt')";

    /// <summary>Fills 200 MiB (written, so resident), then says so.</summary>
    private const string Fill = "block = b'x' * (200 << 20)\\nprint('filled', len(block) >> 20)";

    [GeneratedRegex(@"; CPU (?<user>[0-9]+) \S+ user, (?<system>[0-9]+) \S+ system; max RSS (?<rss>[0-9]+) KiB$")]
    private static partial Regex Usage();

    private static (long User, long System, long RssKib) UsageOf(string line)
    {
        Match match = Usage().Match(line);
        Assert.True(match.Success, $"no resource usage in: {line}");
        return (long.Parse(match.Groups["user"].Value), long.Parse(match.Groups["system"].Value), long.Parse(match.Groups["rss"].Value));
    }

    [Fact]
    public async Task A_program_that_burns_a_quarter_second_of_CPU_and_one_that_fills_200_MiB_report_at_least_that()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "burn": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/usr/bin/python3", "-c", "{{Burn}}"] },
                "fill": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/usr/bin/python3", "-c", "{{Fill}}"] },
                "idle": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["/bin/echo", "idle"] } } }
            """);

        Assert.Equal("burnt\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("burn"))));
        Assert.Equal("filled 200\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("fill"))));
        Assert.Equal("idle\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("idle"))));

        (long burnUser, long burnSystem, _) = UsageOf(await daemon.WaitForLogAsync(l => l.Contains("burn ") && l.Contains("exited with status 0"), "the burner's end"));
        (_, _, long fillRss) = UsageOf(await daemon.WaitForLogAsync(l => l.Contains("fill ") && l.Contains("exited with status 0"), "the filler's end"));
        (long idleUser, long idleSystem, long idleRss) = UsageOf(await daemon.WaitForLogAsync(l => l.Contains("idle ") && l.Contains("exited with status 0"), "echo's end"));

        Assert.InRange(burnUser + burnSystem, 200_000, 30_000_000);
        Assert.InRange(fillRss, 200 * 1024, 2 * 1024 * 1024);

        // echo uses next to nothing: well under the burner's CPU, and its RSS is at most
        // the daemon's at launch (a vfork child's ru_maxrss starts from its parent's), far under 200 MiB.
        Assert.InRange(idleUser + idleSystem, 0, 100_000);
        Assert.InRange(idleRss, 1, fillRss - (100 * 1024));
    }

    [Fact]
    public async Task The_journal_entry_has_CPU_USER_USEC_CPU_SYSTEM_USEC_and_MAX_RSS_KIB()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "jburn": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "nobody", "Exec": ["/usr/bin/python3", "-c", "{{Burn}}"] } } }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false, launcher: journal.Launcher);

        Assert.Equal("burnt\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));

        Dictionary<string, string> end = await journal.WaitForEntryAsync(e => e.ContainsKey("EXIT_STATUS"), "EXIT_STATUS", "BRIDGE=jburn");
        long user = long.Parse(end["CPU_USER_USEC"]), system = long.Parse(end["CPU_SYSTEM_USEC"]), rss = long.Parse(end["MAX_RSS_KIB"]);
        Assert.InRange(user + system, 200_000, 30_000_000);
        Assert.InRange(rss, 1, 2 * 1024 * 1024);
        Assert.Contains($"CPU {user} µs user, {system} µs system; max RSS {rss} KiB", end["MESSAGE"]);
        Assert.False(end.ContainsKey("RUNTIME_MAX_SIGNAL"), "RUNTIME_MAX_SIGNAL on a program that ended on its own");
    }
}
