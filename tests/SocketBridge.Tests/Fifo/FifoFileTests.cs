using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Fifo;

/// <summary>The FIFO file itself (SPEC 8): created with SocketMode, removed only if the daemon made it, anything else left alone.</summary>
public sealed class FifoFileTests
{
    /// <summary>Clock ticks per second in /proc (USER_HZ).</summary>
    private const double UserHz = 100;

    [Fact]
    public async Task A_created_fifo_has_SocketMode_and_is_removed_at_shutdown()
    {
        using var dir = new TempDirectory();
        string pipe = dir["sub/created"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "made": { "Listen": "fifo:{{pipe}}", "User": "root", "Exec": ["/bin/cat"], "SocketMode": "0620" } } }
            """, dir);

        FileStatus status = Posix.TryLStat(pipe)!.Value;
        Assert.True(status.IsFifo);
        Assert.Equal(Convert.ToUInt32("620", 8), status.Permissions);
        Assert.Equal(["created"], Directory.GetFileSystemEntries(dir["sub"]).Select(Path.GetFileName));

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Null(Posix.TryLStat(pipe));
    }

    [Fact]
    public async Task An_existing_fifo_is_used_as_it_is_and_left_in_place()
    {
        using var dir = new TempDirectory();
        string pipe = dir["existing"];
        Fifos.Create(pipe, Convert.ToUInt32("600", 8));
        FileStatus before = Posix.TryLStat(pipe)!.Value;
        Directory.CreateDirectory(dir["out"]);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "kept": { "Listen": "fifo:{{pipe}}", "User": "root", "Exec": ["/bin/sh", "-c", "cat > \"$OUT/got.part\"; mv \"$OUT/got.part\" \"$OUT/got\""], "SocketMode": "0666", "Environment": { "OUT": "{{dir["out"]}}" } } } }
            """, dir);

        await File.WriteAllTextAsync(pipe, "through the old pipe\n");
        await Wait.UntilAsync(() => File.Exists(dir["out/got"]), "the session");
        Assert.Equal("through the old pipe\n", File.ReadAllText(dir["out/got"]));

        Assert.Equal(0, await daemon.StopAsync());
        FileStatus after = Posix.TryLStat(pipe)!.Value;
        Assert.True(after.IsSameFile(before));
        Assert.Equal(Convert.ToUInt32("600", 8), after.Permissions);
    }

    [Fact]
    public async Task A_regular_file_at_the_path_is_reported_and_left_untouched()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("not-a-pipe", "precious\n");
        FileStatus before = Posix.TryLStat(path)!.Value;
        dir.Write("config.json", $$"""
            { "Bridges": { "file": { "Listen": "fifo:{{path}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);
        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains($"bridge file: cannot listen on fifo:{path}: {path} exists and is a regular file, not a FIFO; it was left untouched"));
        Assert.True(Posix.TryLStat(path)!.Value.IsSameFile(before));
        Assert.Equal("precious\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("nobody", "0600", "is owned by nobody (uid 65534), not by root, the daemon's user or SocketUser")]
    [InlineData("root", "0666", "has mode 0666, looser than SocketMode 0600")]
    [InlineData("root", "0640", "has mode 0640, looser than SocketMode 0600")]
    public async Task An_existing_fifo_that_someone_else_owns_or_that_is_looser_than_SocketMode_is_refused_and_left_untouched(string owner, string mode, string problem)
    {
        using var dir = new TempDirectory();
        // A shared sticky directory, where anyone may leave a FIFO first (the audit's /tmp case).
        string shared = dir["shared"];
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(shared, (UnixFileMode)Convert.ToInt32("1777", 8));
        string pipe = $"{shared}/app.fifo";
        string[] mkfifo = owner == "root" ? ["mkfifo", "-m", mode, pipe] : ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "mkfifo", "-m", mode, pipe];
        Assert.Equal(0, (await Clients.RunProgramAsync(mkfifo[0], mkfifo[1..])).ExitCode);
        FileStatus before = Posix.TryLStat(pipe)!.Value;
        dir.Write("config.json", $$"""
            { "Bridges": { "secret-in": { "Listen": "fifo:{{pipe}}", "Exec": ["/bin/cat"], "User": "root", "SocketMode": "0600" } } }
            """);

        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);
        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains($"bridge secret-in: cannot listen on fifo:{pipe}: the existing FIFO {pipe} {problem}") && l.Contains("left untouched"));
        FileStatus after = Posix.TryLStat(pipe)!.Value;
        Assert.True(after.IsSameFile(before) && after.Mode == before.Mode && after.Uid == before.Uid);
    }

    [Fact]
    public async Task An_existing_fifo_of_SocketUser_no_looser_than_SocketMode_is_adopted()
    {
        using var dir = new TempDirectory();
        string pipe = dir["theirs.fifo"];
        Fifos.Create(pipe, Convert.ToUInt32("620", 8));
        Assert.Equal(0, (await Clients.RunProgramAsync("chown", ["nobody:nogroup", pipe])).ExitCode);
        Directory.CreateDirectory(dir["out"]);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "kept": { "Listen": "fifo:{{pipe}}", "Exec": ["/bin/sh", "-c", "cat > \"$OUT/got.part\"; mv \"$OUT/got.part\" \"$OUT/got\""], "User": "root",
                "SocketMode": "0660", "SocketUser": "nobody", "Environment": { "OUT": "{{dir["out"]}}" } } } }
            """, dir);

        await File.WriteAllTextAsync(pipe, "adopted\n");
        await Wait.UntilAsync(() => File.Exists(dir["out/got"]), "the session");
        Assert.Equal("adopted\n", File.ReadAllText(dir["out/got"]));
    }

    [Theory]
    [InlineData("spawn")]
    [InlineData("forward")]
    public async Task The_daemon_uses_almost_no_CPU_while_no_writer_is_present(string mode)
    {
        using var dir = new TempDirectory();
        string pipe = dir["idle"];
        await using Backend backend = Backend.Tcp(0, async s => await Clients.ReadToEndAsync(s));
        string rest = mode == "spawn" ? "\"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"StandardError\": \"null\"" : $"\"Target\": \"tcp:127.0.0.1:{backend.Port}\"";
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "idle": { "Listen": "fifo:{{pipe}}", {{rest}} } } }
            """, dir);

        // One session first, so the measured wait is the one between sessions.
        await File.WriteAllTextAsync(pipe, "wake up\n");
        await daemon.WaitForLogAsync(mode == "spawn" ? "session ended" : "forwarded to");

        // A few one-second windows, bounded: the runtime may still be compiling after the session, but a
        // daemon that spins never has a quiet one.
        var shares = new List<double>();
        for (int window = 0; window < 4 && (shares.Count == 0 || shares[^1] >= 0.03); window++)
        {
            long start = CpuTicks(daemon.Pid);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Wait.UntilAsync(() => clock.Elapsed >= TimeSpan.FromSeconds(1), "the observation window", TimeSpan.FromSeconds(5));
            shares.Add((CpuTicks(daemon.Pid) - start) / (UserHz * clock.Elapsed.TotalSeconds));
        }

        Assert.True(shares[^1] < 0.03, $"the idle daemon used {string.Join(", ", shares.Select(s => s.ToString("P1")))} of a CPU in successive seconds");
    }

    /// <summary>utime + stime of a process, in clock ticks (proc(5)).</summary>
    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
