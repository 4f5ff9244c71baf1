using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Logging;

/// <summary>
/// SPEC 8: nothing the daemon logs can block accepting, launching, relaying,
/// reaping or stopping. A log consumer that stops reading (journald stuck,
/// stderr a pipe nobody reads) costs entries, which are dropped and counted,
/// never connections, status or SIGTERM; and the watchdog is fed only while
/// the daemon's loops really turn.
/// </summary>
public sealed class StalledLogTests
{
    private const int Connections = 5000;
    private const int ClientCount = 4;

    /// <summary>Short, so "stops within ShutdownTimeout" is a tight bound.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_journal_that_never_reads_loses_log_entries_but_no_connection_and_SIGTERM_still_stops_the_daemon_in_time()
    {
        using var journal = new StalledJournal();
        using var dir = new TempDirectory();
        var bridges = new Bridges();
        await using Backend backend = Backend.Tcp(bridges.BackendPort, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir.Write("config.json", bridges.Config)], dir, ownsDirectory: false, launcher: journal.Launcher);

        await ServeThroughAsync(daemon, bridges);

        // The journal did stall: what the daemon sent waits unread, and the rest was dropped and counted.
        Assert.True(journal.Unread > 0, "the daemon sent nothing to the journal socket");
        JsonElement log = await LogStatusAsync(daemon, "journal");
        Assert.True(log.GetProperty("Dropped").GetInt64() > 0, $"no journal entry dropped: {log}");

        await StopsWithinShutdownTimeoutAsync(daemon);

        // A stuck journal does not silence stderr: the stop is there.
        Assert.Contains(daemon.Logs, l => l.Contains("stopping: ending connections within", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stderr_into_a_pipe_nobody_reads_loses_log_entries_but_no_connection_and_SIGTERM_still_stops_the_daemon_in_time()
    {
        using var dir = new TempDirectory();
        var bridges = new Bridges();
        await using Backend backend = Backend.Tcp(bridges.BackendPort, Backend.Echo);
        // No journal in its view: everything goes to stderr, a pipe the test never reads.
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir.Write("config.json", bridges.Config)], dir, ownsDirectory: false,
            launcher: StalledJournal.NoJournal, readOutput: false);

        await ServeThroughAsync(daemon, bridges);

        JsonElement log = await LogStatusAsync(daemon, "console");
        Assert.True(log.GetProperty("Dropped").GetInt64() > 0, $"no console entry dropped, so stderr never filled: {log}");

        await StopsWithinShutdownTimeoutAsync(daemon);
    }

    [Fact]
    public async Task Entries_dropped_while_journald_was_stopped_are_counted_in_the_next_entry_and_in_status()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir.Write("config.json", $$"""
            { "Bridges": {
                "jflood": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/sh", "-c", "seq 8000 >&2; echo done"] },
                "jquiet": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "pong"] } } }
            """)], dir, ownsDirectory: false, launcher: journal.Launcher);
        int flood = await daemon.PortOfAsync("jflood");
        int quiet = await daemon.PortOfAsync("jquiet");
        await journal.WaitForEntryAsync(e => e.GetValueOrDefault("MESSAGE", "").StartsWith("socketbridge ready"), "the ready entry", $"_PID={daemon.Pid}");

        journal.Pause();
        try
        {
            // 8,000 stderr lines, an entry each, while journald reads nothing: more than the daemon queues.
            using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, flood))
            {
                Assert.Equal("done\n", await Clients.ExchangeAsync(client));
            }

            await Wait.UntilAsync(async () => Dropped(await LogStatusAsync(daemon, "journal")) > 0, "status to count dropped journal entries");
        }
        finally
        {
            journal.Resume();
        }

        // The flood's connection has ended (its program's stderr read to the end or cut after the
        // grace, its exit logged or counted) and the journal has caught up with the queue: the
        // quiet bridge's entries then meet an empty queue, however fast the flood was read.
        await Wait.UntilAsync(
            async () =>
            {
                if (await BridgeActiveAsync(daemon, "jflood") != 0)
                {
                    return false;
                }

                JsonElement now = await LogStatusAsync(daemon, "journal");
                List<Dictionary<string, string>> written = await journal.EntriesAsync($"_PID={daemon.Pid}");
                return written.Count(e => !e.ContainsKey("DROPPED_ENTRIES")) == now.GetProperty("Written").GetInt64();
            },
            "the flood's connection to end and the journal to catch up");

        // The entry after the gap is preceded by one that says how large the gap was.
        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, quiet))
        {
            Assert.Equal("pong\n", await Clients.ExchangeAsync(client));
        }

        Dictionary<string, string> notice = await journal.WaitForEntryAsync(e => e.ContainsKey("DROPPED_ENTRIES"), "DROPPED_ENTRIES", $"_PID={daemon.Pid}");
        Assert.Equal("4", notice["PRIORITY"]);
        Assert.Equal("journal", notice["LOG_SINK"]);
        Assert.Equal($"{notice["DROPPED_ENTRIES"]} log entries were dropped: the journal did not keep up", notice["MESSAGE"]);

        // Every entry is either in the journal or counted as dropped, in status and in the journal alike.
        JsonElement log = default;
        List<Dictionary<string, string>> entries = [];
        await Wait.UntilAsync(
            async () =>
            {
                log = await LogStatusAsync(daemon, "journal");
                entries = await journal.EntriesAsync($"_PID={daemon.Pid}");
                return entries.Count(e => !e.ContainsKey("DROPPED_ENTRIES")) == log.GetProperty("Written").GetInt64()
                    && entries.Where(e => e.ContainsKey("DROPPED_ENTRIES")).Sum(e => long.Parse(e["DROPPED_ENTRIES"])) == Dropped(log);
            },
            "the journal's entries and dropped counts to add up to what status says");
        Assert.Contains(entries, e => e.GetValueOrDefault("MESSAGE", "").Contains("child", StringComparison.Ordinal) && e.GetValueOrDefault("BRIDGE") == "jquiet");
    }

    [Fact]
    public async Task The_watchdog_is_fed_while_the_journal_is_stalled_and_withheld_while_a_relay_loop_is_wedged()
    {
        const int watchdogUsec = 600_000;
        using var journal = new StalledJournal();
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir.Write("config.json", $$"""
            { "Bridges": {
                "wflood": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/sh", "-c", "seq 8000 >&2; echo done"] },
                "wfwd": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """)], dir, ownsDirectory: false, new Dictionary<string, string> { ["WATCHDOG_USEC"] = watchdogUsec.ToString() }, journal.Launcher);
        int flood = await daemon.PortOfAsync("wflood");
        int forward = await daemon.PortOfAsync("wfwd");
        int KeepAlives() => daemon.Notifications.Count(n => n == "WATCHDOG=1");

        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, flood))
        {
            Assert.Equal("done\n", await Clients.ExchangeAsync(client));
        }

        // 8,000 entries at once, and a journal socket that holds a few: the journal is stuck.
        await Wait.UntilAsync(() => journal.Unread > 0, "the daemon's entries to wait unread in the journal socket");

        // Healthy daemon, stuck journal: the keep-alives go on.
        int seen = KeepAlives();
        await Wait.UntilAsync(() => KeepAlives() >= seen + 5, "five more WATCHDOG=1 with the journal stalled");
        Assert.Equal("ping\n", await ForwardAsync(forward, "ping\n"));

        int relay = ThreadStopper.FindThread(daemon.Pid, "sb-relay-0");
        int duringWedge;
        using (await ThreadStopper.StopAsync(relay))
        {
            duringWedge = await KeepAlivesStopAsync(daemon, watchdogUsec);
            await daemon.WaitForLogAsync("watchdog: relay loop sb-relay-0 did not answer");
        }

        await Wait.UntilAsync(() => KeepAlives() >= duringWedge + 2, "WATCHDOG=1 again once the relay loop runs");
        await daemon.WaitForLogAsync("watchdog: relay loop sb-relay-0 answers again; WATCHDOG=1 resumed");
        Assert.Single(daemon.Logs, l => l.Contains("did not answer", StringComparison.Ordinal));
        Assert.Equal("ping\n", await ForwardAsync(forward, "ping\n"));
    }

    [Fact]
    public async Task The_watchdog_is_withheld_while_a_socket_event_thread_is_wedged()
    {
        const int watchdogUsec = 600_000;
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir.Write("config.json", $$"""
            { "Bridges": { "wspawn": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "pong"] } } }
            """)], dir, ownsDirectory: false, new Dictionary<string, string> { ["WATCHDOG_USEC"] = watchdogUsec.ToString() });
        int port = await daemon.PortOfAsync("wspawn");
        int KeepAlives() => daemon.Notifications.Count(n => n == "WATCHDOG=1");
        int Withheld() => daemon.Logs.Count(l => l.Contains("watchdog: a socket event thread did not answer", StringComparison.Ordinal));

        // The threads that wait for every socket (accepts included), each wedged in turn: each is noticed.
        int[] threads = ThreadStopper.FindThreads(daemon.Pid, ".NET Sockets");
        Assert.NotEmpty(threads);
        foreach (int thread in threads)
        {
            int seen = KeepAlives();
            await Wait.UntilAsync(() => KeepAlives() >= seen + 2, "WATCHDOG=1 while every thread runs");
            int withheld = Withheld();
            int duringWedge;
            using (await ThreadStopper.StopAsync(thread))
            {
                duringWedge = await KeepAlivesStopAsync(daemon, watchdogUsec);
                await Wait.UntilAsync(() => Withheld() > withheld, $"the watchdog to say it withholds WATCHDOG=1 for socket thread {thread}; log:\n{string.Join('\n', daemon.Logs)}");
            }

            await Wait.UntilAsync(() => KeepAlives() > duringWedge, "WATCHDOG=1 again once the thread runs");
        }

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal("pong\n", await Clients.ReadToEndAsync(client));
    }

    /// <summary>
    /// Waits for WATCHDOG=1 to stop: none for twice WATCHDOG_USEC (systemd
    /// would have killed the daemon by then), within a deadline; returns how
    /// many had arrived. An absence can only be seen over a window of time.
    /// </summary>
    private static async Task<int> KeepAlivesStopAsync(Daemon daemon, int watchdogUsec)
    {
        TimeSpan window = TimeSpan.FromMicroseconds(2 * watchdogUsec);
        int KeepAlives() => daemon.Notifications.Count(n => n == "WATCHDOG=1");
        int first = KeepAlives(), last = first;
        var quiet = Stopwatch.StartNew();
        try
        {
            await Wait.UntilAsync(
                () =>
                {
                    int now = KeepAlives();
                    if (now != last)
                    {
                        last = now;
                        quiet.Restart();
                    }

                    return quiet.Elapsed >= window;
                },
                "WATCHDOG=1 to stop while a thread of the daemon is wedged",
                TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}: {KeepAlives() - first} arrived since the wedge");
        }

        return last;
    }

    /// <summary>Ports and the configuration of a spawn bridge and a forward bridge to an echo backend.</summary>
    private sealed class Bridges
    {
        public int SpawnPort { get; } = Ports.Free();

        public int ForwardPort { get; } = Ports.Free();

        public int BackendPort { get; } = Ports.Free();

        public string Config => $$"""
            { "SocketBridge": { "ShutdownTimeout": "{{ShutdownTimeout.TotalSeconds}}s" },
              "Bridges": {
                "lspawn": { "Listen": "tcp:127.0.0.1:{{SpawnPort}}", "User": "root", "Exec": ["/bin/echo", "pong"] },
                "lforward": { "Listen": "tcp:127.0.0.1:{{ForwardPort}}", "Target": "tcp:127.0.0.1:{{BackendPort}}" } } }
            """;
    }

    /// <summary>5,000 spawn and 5,000 forward connections, each answered, then status answers.</summary>
    private static async Task ServeThroughAsync(Daemon daemon, Bridges bridges)
    {
        await ManyAsync("spawn", () => SpawnAsync(bridges.SpawnPort), "pong\n");
        await ManyAsync("forward", () => ForwardAsync(bridges.ForwardPort, "pong\n"), "pong\n");

        CliResult table = await Fixtures.Cli.RunAsync(["status", "--control", daemon.ControlSocket], TimeSpan.FromSeconds(15));
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"lspawn .* listening +[0-9]+ +5000 ", table.Stdout);
        Assert.Matches(@"lforward .* listening +[0-9]+ +5000 ", table.Stdout);
        Assert.Matches(@"(?m)^log: .*[0-9]+ dropped", table.Stdout);
    }

    private static async Task StopsWithinShutdownTimeoutAsync(Daemon daemon)
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, await daemon.StopAsync(ShutdownTimeout));
        Assert.True(clock.Elapsed < ShutdownTimeout, $"stopped after {clock.Elapsed.TotalSeconds:0.00} s");
    }

    /// <summary>
    /// <see cref="Connections"/> connections, by <see cref="ClientCount"/>
    /// clients at once, each of which must get <paramref name="expected"/>
    /// within a few seconds; fails saying how many were served.
    /// </summary>
    private static async Task ManyAsync(string what, Func<Task<string>> connect, string expected)
    {
        int served = 0;
        async Task ClientAsync()
        {
            for (int i = 0; i < Connections / ClientCount; i++)
            {
                string answer;
                try
                {
                    answer = await connect();
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or TimeoutException)
                {
                    throw new Xunit.Sdk.XunitException($"{what}: {Volatile.Read(ref served)} of {Connections} connections served, then: {ex.Message}");
                }

                Assert.Equal(expected, answer);
                Interlocked.Increment(ref served);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, ClientCount).Select(_ => Task.Run(ClientAsync)));
        Assert.Equal(Connections, served);
    }

    private static async Task<string> SpawnAsync(int port)
    {
        Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        using (client)
        {
            return await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(5));
        }
    }

    private static async Task<string> ForwardAsync(int port, string text)
    {
        Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        using (client)
        {
            await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(text));
            client.Shutdown(SocketShutdown.Send);
            return await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>The "Log" row of <c>socketbridge status --json</c> for <paramref name="sink"/>.</summary>
    /// <summary>The active connections of <paramref name="bridge"/>, as status says.</summary>
    private static async Task<long> BridgeActiveAsync(Daemon daemon, string bridge)
    {
        CliResult result = await Fixtures.Cli.RunAsync(["status", "--json", "--control", daemon.ControlSocket], TimeSpan.FromSeconds(15));
        using JsonDocument document = JsonDocument.Parse(result.Stdout);
        foreach (JsonElement row in document.RootElement.GetProperty("Bridges").EnumerateArray())
        {
            if (row.GetProperty("Name").GetString() == bridge)
            {
                return row.GetProperty("Active").GetInt64();
            }
        }

        throw new InvalidOperationException($"status has no bridge {bridge}: {result.Stdout}");
    }

    private static async Task<JsonElement> LogStatusAsync(Daemon daemon, string sink)
    {
        CliResult result = await Fixtures.Cli.RunAsync(["status", "--json", "--control", daemon.ControlSocket], TimeSpan.FromSeconds(15));
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Stdout);
        Assert.True(document.RootElement.TryGetProperty("Log", out JsonElement log) && log.ValueKind == JsonValueKind.Array, $"status has no Log: {result.Stdout}");
        foreach (JsonElement row in log.EnumerateArray())
        {
            if (row.GetProperty("Sink").GetString() == sink)
            {
                return row.Clone();
            }
        }

        throw new Xunit.Sdk.XunitException($"status lists no {sink} log: {result.Stdout}");
    }

    private static long Dropped(JsonElement log) => log.GetProperty("Dropped").GetInt64();
}
