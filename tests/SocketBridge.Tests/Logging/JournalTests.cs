using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Logging;

/// <summary>
/// SPEC 6 against a real systemd-journald of the test's own: what an
/// administrator sees with <c>journalctl BRIDGE=name -o json</c>.
/// </summary>
public sealed class JournalTests
{
    private static Task<Daemon> StartAsync(PrivateJournal journal, TempDirectory dir, string config) =>
        Daemon.StartAsync(["run", "-c", dir.Write("config.json", config)], dir, ownsDirectory: false, launcher: journal.Launcher);

    [Fact]
    public async Task A_spawned_connection_has_one_entry_with_its_fields_and_the_programs_stderr_lines_are_entries_of_their_own()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        int port = Ports.Free(), other = Ports.Free();
        await using Daemon daemon = await StartAsync(journal, dir, $$"""
            { "Bridges": {
                "jecho": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/sh", "-c", "echo 'warming up' >&2; cat; exit 3"] },
                "jother": { "Listen": "tcp:127.0.0.1:{{other}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            Assert.Equal("hello\n", await Clients.ExchangeAsync(client, "hello\n"));
        }

        Dictionary<string, string> end = await journal.WaitForEntryAsync(e => e.ContainsKey("EXIT_STATUS"), "EXIT_STATUS", "BRIDGE=jecho");
        Assert.Equal("socketbridge", end["SYSLOG_IDENTIFIER"]);
        Assert.Equal("6", end["PRIORITY"]);
        Assert.Equal("3", end["EXIT_STATUS"]);
        Assert.Equal("127.0.0.1", end["REMOTE_ADDR"]);
        Assert.True(int.Parse(end["REMOTE_PORT"]) > 0);
        Assert.True(long.Parse(end["DURATION_MS"]) >= 0);
        Assert.Matches("^[0-9a-f]+-[0-9]+$", end["CONNECTION_ID"]);
        int childPid = int.Parse(end["CHILD_PID"]);
        Assert.Equal(daemon.Pid.ToString(), end["_PID"]);

        Dictionary<string, string> line = await journal.WaitForEntryAsync(e => e.GetValueOrDefault("MESSAGE", "").EndsWith("warming up"), "the program's stderr line", "BRIDGE=jecho");
        Assert.Equal(end["CONNECTION_ID"], line["CONNECTION_ID"]);
        Assert.Equal(childPid.ToString(), line["CHILD_PID"]);
        Assert.Equal("127.0.0.1", line["REMOTE_ADDR"]);

        // journalctl BRIDGE=jecho shows that bridge's traffic and nothing of another's.
        Assert.All(await journal.EntriesAsync("BRIDGE=jecho"), e => Assert.Equal("jecho", e["BRIDGE"]));
        Assert.DoesNotContain(await journal.EntriesAsync("BRIDGE=jother"), e => e.ContainsKey("EXIT_STATUS"));
    }

    [Fact]
    public async Task A_forwarded_connection_entry_counts_its_bytes_and_a_refusal_is_a_warning()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        int port = Ports.Free(), denied = Ports.Free();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await StartAsync(journal, dir, $$"""
            { "Bridges": {
                "jfwd": { "Listen": "tcp:127.0.0.1:{{port}}", "Target": "tcp:127.0.0.1:{{backend.Port}}" },
                "jdeny": { "Listen": "tcp:127.0.0.1:{{denied}}", "User": "root", "Exec": ["/bin/cat"], "DenyFrom": ["127.0.0.0/8"] } } }
            """);

        string payload = new('x', 12345);
        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            Assert.Equal(payload, await Clients.ExchangeAsync(client, payload));
        }

        Dictionary<string, string> end = await journal.WaitForEntryAsync(e => e.ContainsKey("BYTES_IN"), "BYTES_IN", "BRIDGE=jfwd");
        Assert.Equal("12345", end["BYTES_IN"]);
        Assert.Equal("12345", end["BYTES_OUT"]);
        Assert.True(long.Parse(end["DURATION_MS"]) >= 0);
        Assert.Equal("6", end["PRIORITY"]);

        using (Socket refused = await Clients.ConnectTcpAsync(IPAddress.Loopback, denied))
        {
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(refused));
        }

        Dictionary<string, string> warning = await journal.WaitForEntryAsync(e => e.GetValueOrDefault("MESSAGE", "").Contains("refused"), "a refusal", "BRIDGE=jdeny");
        Assert.Equal("4", warning["PRIORITY"]);
    }

    [Fact]
    public async Task Long_lines_and_binary_junk_on_stderr_become_bounded_readable_entries()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string script = dir.WriteScript("noisy.py", """
            #!/usr/bin/python3
            import sys
            err = sys.stderr.buffer
            err.write(b"L" * 10000 + b"\n")
            err.write(b"junk\x00\x01\xff\xfe\x1b[31m end\n")
            err.flush()
            sys.stdout.write("done\n")
            """);
        await using Daemon daemon = await StartAsync(journal, dir, $$"""
            { "Bridges": { "jnoisy": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["{{script}}"] } } }
            """);

        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            Assert.Equal("done\n", await Clients.ReadToEndAsync(client));
        }

        await journal.WaitForEntryAsync(e => e.ContainsKey("EXIT_STATUS"), "the connection's end", "BRIDGE=jnoisy");
        List<Dictionary<string, string>> lines = (await journal.EntriesAsync("BRIDGE=jnoisy")).Where(e => e.ContainsKey("LINE")).ToList();
        // The long line is split into pieces of at most 4096 bytes, none lost.
        List<string> pieces = lines.Select(e => e["LINE"]).Where(l => l.Length > 0 && l.All(c => c == 'L')).ToList();
        Assert.Equal(10000, pieces.Sum(p => p.Length));
        Assert.All(pieces, p => Assert.True(p.Length <= 4096));
        Dictionary<string, string> junk = Assert.Single(lines, e => e["LINE"].StartsWith("junk"));
        Assert.EndsWith("end", junk["LINE"]);
        Assert.DoesNotContain('\0', junk["LINE"]);
        Assert.DoesNotContain('\u001b', junk["LINE"]);
    }

    [Fact]
    public async Task A_program_flooding_stderr_holds_a_bounded_amount_of_the_daemons_memory()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        int port = Ports.Free();
        // 32 MiB without a single newline.
        string script = dir.WriteScript("flood.py", """
            #!/usr/bin/python3
            import sys
            block = b"F" * 65536
            for _ in range(512):
                sys.stderr.buffer.write(block)
            sys.stderr.flush()
            sys.stdout.write("done\n")
            """);
        await using Daemon daemon = await StartAsync(journal, dir, $$"""
            { "Bridges": { "jflood": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["{{script}}"] } } }
            """);
        long rssBefore = ProcFs.ResidentBytes(daemon.Pid);
        long rssAfterFirst = 0;
        for (int flood = 0; flood < 3; flood++)
        {
            using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            Assert.Equal("done\n", await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(120)));
            if (flood == 0)
            {
                rssAfterFirst = ProcFs.ResidentBytes(daemon.Pid);
            }
        }

        // Memory levels off after the first flood instead of growing with what the daemon carried:
        // two more floods would add 64 MiB; the bound leaves room for a garbage collection that
        // lags behind on a loaded machine (18 MiB seen once at load 38).
        long rssAfterAll = ProcFs.ResidentBytes(daemon.Pid);
        Assert.True(rssAfterAll - rssAfterFirst < 24L * 1024 * 1024, $"the daemon's memory kept growing: {rssAfterFirst / 1024 / 1024} MiB after one flood, {rssAfterAll / 1024 / 1024} MiB after three");
        Assert.True(rssAfterAll - rssBefore < 64L * 1024 * 1024, $"the daemon's memory grew from {rssBefore / 1024 / 1024} to {rssAfterAll / 1024 / 1024} MiB");

        // And it still serves.
        using Socket last = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal("done\n", await Clients.ReadToEndAsync(last, TimeSpan.FromSeconds(120)));
    }

    [Fact]
    public async Task An_entry_too_large_for_a_datagram_reaches_the_journal_through_a_sealed_memfd()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string config = $$"""
            { "Bridges": { "jbig": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """;
        await using Daemon daemon = await StartAsync(journal, dir, config);

        // A reload refused for 6,000 unknown keys logs one error entry of about 700 KB, more than any datagram.
        var keys = new StringBuilder();
        for (int i = 0; i < 6000; i++)
        {
            keys.Append($", \"UnknownSettingNumber{i:D5}WithAVeryLongNameIndeed\": {i}");
        }

        dir.Write("config.json", $$"""
            { "Bridges": { "jbig": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"]{{keys}} } } }
            """);
        daemon.Signal(LibC.SIGHUP);

        Dictionary<string, string> entry = await journal.WaitForEntryAsync(
            e => e.GetValueOrDefault("MESSAGE", "").StartsWith("reload refused"), "the reload refusal", "SYSLOG_IDENTIFIER=socketbridge", "PRIORITY=3");
        Assert.True(Encoding.UTF8.GetByteCount(entry["MESSAGE"]) > 425_984, $"the entry is only {entry["MESSAGE"].Length} characters");
        Assert.Contains("UnknownSettingNumber05999WithAVeryLongNameIndeed", entry["MESSAGE"]);
        Assert.Equal("6000", entry["PROBLEM_COUNT"]);
    }

    [Fact]
    public async Task Under_systemd_with_stderr_as_the_journal_stream_entries_are_not_written_twice()
    {
        using PrivateJournal journal = await PrivateJournal.StartAsync();
        using var dir = new TempDirectory();
        int port = Ports.Free();
        // As systemd does for a service: stderr is a stream socket, JOURNAL_STREAM names its device and inode.
        // The launcher keeps the other end and copies what arrives there to its stdout, which the test reads.
        string launcher = dir.WriteScript("journal-stream.py", """
            #!/usr/bin/python3
            import os, signal, socket, sys
            ours, theirs = socket.socketpair()
            st = os.fstat(theirs.fileno())
            pid = os.fork()
            if pid == 0:
                os.environ["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
                os.dup2(theirs.fileno(), 2)
                os.execv(sys.argv[1], sys.argv[1:])
            theirs.close()
            for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(s, lambda n, f: os.kill(pid, n))
            while True:
                try:
                    data = ours.recv(65536)
                except InterruptedError:
                    continue
                if not data:
                    break
                os.write(1, b"STDERR:" + data)
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
            """);
        string file = dir.Write("config.json", $$"""
            { "Bridges": { "jstream": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/echo", "hi"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", file], dir, ownsDirectory: false, launcher: [.. journal.Launcher, launcher]);
        await daemon.WaitReadyAsync();
        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            Assert.Equal("hi\n", await Clients.ReadToEndAsync(client));
        }

        await journal.WaitForEntryAsync(e => e.ContainsKey("EXIT_STATUS"), "the connection's end", "BRIDGE=jstream");
        Assert.Equal(0, await daemon.StopAsync());
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("STDERR:"));
    }
}
