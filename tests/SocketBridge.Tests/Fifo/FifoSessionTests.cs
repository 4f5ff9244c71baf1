using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Fifo;

/// <summary>
/// A spawn bridge on a FIFO (SPEC 5, FIFO listeners): the reference's shell
/// and Python senders write to it unchanged, and each session's program
/// reads the FIFO itself as stdin until every writer has closed.
/// </summary>
public sealed class FifoSessionTests
{
    /// <summary>The program of every session: stdin to a file of its own, made visible whole by rename.</summary>
    private const string Recorder = """cat > "$OUT/$SOCKETBRIDGE_CONNECTION_ID.part" && mv "$OUT/$SOCKETBRIDGE_CONNECTION_ID.part" "$OUT/$SOCKETBRIDGE_CONNECTION_ID.session" """;

    [Fact]
    public async Task The_shell_sender_starts_100_sessions_in_a_row_and_each_arrives_whole()
    {
        using var dir = new TempDirectory();
        string pipe = dir["testpipe"];
        await using Daemon daemon = await StartRecorderAsync(dir, pipe);
        string sender = dir.WriteScript("sender.sh", """
            #!/bin/sh
            pipe=$1
            [ ! -p $pipe ] && echo "Reader not running" && exit 1
            [ "$2" ] && echo "$2" >$pipe || echo "Hello from $$" >$pipe
            """);

        for (int i = 1; i <= 100; i++)
        {
            var (exit, stdout, _) = await Clients.RunProgramAsync(sender, [pipe, $"message {i}"]);
            Assert.True(exit == 0, stdout);
            await Wait.UntilAsync(() => Sessions(dir).Length == i, $"session {i}");
        }

        string[] contents = [.. Sessions(dir).Select(File.ReadAllText).Order()];
        Assert.Equal(Enumerable.Range(1, 100).Select(i => $"message {i}\n").Order(), contents);
        await daemon.WaitForLogAsync(l => l.Contains($"on fifo:{pipe}: session ended, child") && l.Contains("exited with status 0"), "a session's entry");
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task The_python_sender_is_one_session_per_open_and_close()
    {
        using var dir = new TempDirectory();
        string pipe = dir["testpipe"];
        await using Daemon daemon = await StartRecorderAsync(dir, pipe);

        for (int i = 1; i <= 10; i++)
        {
            var (exit, _, stderr) = await Clients.RunProgramAsync(ChildScripts.Python, ["-c", $"pipe = open('{pipe}', 'w'); pipe.write('Hello, World! {i}'); pipe.close()"]);
            Assert.True(exit == 0, stderr);
            await Wait.UntilAsync(() => Sessions(dir).Length == i, $"session {i}");
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"Hello, World! {i}").Order(), Sessions(dir).Select(File.ReadAllText).Order());
    }

    [Fact]
    public async Task Concurrent_writers_of_lines_up_to_PIPE_BUF_never_interleave_and_lose_nothing()
    {
        using var dir = new TempDirectory();
        string pipe = dir["testpipe"];
        await using Daemon daemon = await StartRecorderAsync(dir, pipe);

        // The reference's Python sender, once per line: each line is one write(2) of at most PIPE_BUF bytes.
        const int Writers = 6, Lines = 25;
        string writer = dir.Write("writer.py", """
            import sys
            path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
            for i in range(count):
                size = 4096 if i % 5 == 0 else 64 + (i * 397) % 3900
                head = f"{name}:{i}:{size}:"
                line = head + "x" * (size - len(head) - 1) + "\n"
                pipe = open(path, "w")
                pipe.write(line)
                pipe.close()
            """);
        var runs = Enumerable.Range(0, Writers)
            .Select(w => Clients.RunProgramAsync(ChildScripts.Python, [writer, pipe, $"w{w}", Lines.ToString()], timeout: TimeSpan.FromSeconds(60)))
            .ToArray();
        foreach (var run in await Task.WhenAll(runs))
        {
            Assert.True(run.ExitCode == 0, run.Stderr);
        }

        var expected = new HashSet<string>(Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, Lines).Select(i => $"w{w}:{i}")));
        var seen = new List<string>();
        await Wait.UntilAsync(
            () =>
            {
                seen = [.. Sessions(dir).SelectMany(f => File.ReadAllText(f).Split('\n', StringSplitOptions.RemoveEmptyEntries))];
                return seen.Count >= expected.Count;
            },
            "every line in some session",
            TimeSpan.FromSeconds(60));

        Assert.Equal(expected.Count, seen.Count);
        foreach (string line in seen)
        {
            string[] parts = line.Split(':');
            Assert.True(parts.Length == 4 && line.Length + 1 == int.Parse(parts[2]) && parts[3].All(c => c == 'x'), $"an interleaved or cut line: {line[..Math.Min(line.Length, 80)]}");
        }

        Assert.Equal(expected.Order(), seen.Select(l => string.Join(':', l.Split(':')[..2])).Order());
    }

    [Fact]
    public async Task The_program_gets_the_fifo_as_stdin_and_the_documented_environment()
    {
        using var dir = new TempDirectory();
        string pipe = dir["testpipe"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "env": {
                "Listen": "fifo:{{pipe}}",
                "User": "root", "Exec": ["/bin/sh", "-c", "ls -l /proc/self/fd/0 > \"$OUT/fd0\"; cat >/dev/null; env > \"$OUT/env.part\"; mv \"$OUT/env.part\" \"$OUT/env\""],
                "Environment": { "OUT": "{{dir.Path}}" } } } }
            """, dir);

        await File.WriteAllTextAsync(pipe, "hi\n");
        await Wait.UntilAsync(() => File.Exists(dir["env"]), "the program's environment");

        string[] environment = [.. File.ReadAllLines(dir["env"]).Where(l => !l.StartsWith("PWD=", StringComparison.Ordinal) && !l.StartsWith("SHLVL=", StringComparison.Ordinal) && !l.StartsWith("_=", StringComparison.Ordinal))];
        Assert.Contains($"FIFO_PATH={pipe}", environment);
        Assert.Contains("SOCKETBRIDGE_BRIDGE=env", environment);
        Assert.Contains(environment, l => l.StartsWith("SOCKETBRIDGE_CONNECTION_ID=", StringComparison.Ordinal));
        Assert.Contains($"OUT={dir.Path}", environment);
        Assert.Contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", environment);
        Assert.Equal(5, environment.Length);
        Assert.Contains($"-> {pipe}", File.ReadAllText(dir["fd0"]));
    }

    [Fact]
    public async Task A_program_that_leaves_the_bytes_in_the_fifo_is_started_again_after_a_growing_pause_and_one_that_reads_some_at_once()
    {
        using var dir = new TempDirectory();
        string idle = dir["idle"], partial = dir["partial"];
        Directory.CreateDirectory(dir["out"]);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "idle": { "Listen": "fifo:{{idle}}", "User": "root", "Exec": ["/bin/true"] },
                "partial": { "Listen": "fifo:{{partial}}", "User": "root", "Exec": ["/bin/sh", "-c", "head -c 3 >> \"$OUT/got\""],
                    "Environment": { "OUT": "{{dir["out"]}}" } } } }
            """, dir);

        // /bin/true never reads: the bytes stay in the FIFO. head -c 3 reads three a session, and exits at once too.
        await File.WriteAllTextAsync(idle, "never read\n");
        await File.WriteAllTextAsync(partial, "abcdef");
        await daemon.WaitForLogAsync($"idle on fifo:{idle}: the program exited with status 0 without reading, bytes still in the FIFO (3 times in a row); starting it again in 00:00:04");
        await Wait.UntilAsync(() => File.Exists(dir["out/got"]) && File.ReadAllText(dir["out/got"]) == "abcdef", "both halves read by head -c 3");

        string[] logs = daemon.Logs;
        Assert.Equal(3, logs.Count(l => l.Contains($"idle ") && l.Contains("session ended")));
        Assert.Contains(logs, l => l.Contains("(1 time in a row); starting it again in 00:00:01"));
        Assert.Contains(logs, l => l.Contains("(2 times in a row); starting it again in 00:00:02"));
        Assert.DoesNotContain(logs, l => l.Contains("partial on") && l.Contains("starting it again"));
    }

    private static Task<Daemon> StartRecorderAsync(TempDirectory dir, string pipe)
    {
        Directory.CreateDirectory(dir["out"]);
        return Daemon.StartAsync($$"""
            { "Bridges": { "record": {
                "Listen": "fifo:{{pipe}}",
                "User": "root", "Exec": ["/bin/sh", "-c", {{System.Text.Json.JsonSerializer.Serialize(Recorder)}}],
                "Environment": { "OUT": "{{dir["out"]}}" } } } }
            """, dir);
    }

    private static string[] Sessions(TempDirectory dir) => Directory.GetFiles(dir["out"], "*.session");
}
