using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// Re-executes a test's daemon, by <c>socketbridge reexec</c> or by SIGUSR2,
/// and reads what must stay the same across it: the PID, readiness and the
/// status counters.
/// </summary>
internal static class ReexecDriver
{
    public const int SIGUSR2 = 12;

    /// <summary>
    /// Starts the daemon on <paramref name="config"/> (a file of <paramref name="directory"/>),
    /// from <paramref name="program"/> when given (a <see cref="PrivateInstall"/>).
    /// Without the .NET runtime's diagnostic socket: the JIT runtime names it
    /// after the PID and the process's start time, which a re-exec keeps, so
    /// the new image finds the name taken and runs without one, and the
    /// descriptor counts of the first image and the later ones would differ
    /// by a socket that is the runtime's, not the daemon's.
    /// </summary>
    public static Task<Daemon> StartAsync(TempDirectory directory, string config, string? program = null) =>
        Daemon.StartAsync(["run", "-c", config], directory, ownsDirectory: false, new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" }, program: program);

    /// <summary><c>socketbridge reexec --control</c> the daemon's socket; returns when the command does.</summary>
    public static Task<CliResult> CommandAsync(Daemon daemon, TimeSpan? timeout = null) =>
        Fixtures.Cli.RunAsync(["reexec", "--control", daemon.ControlSocket], timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>The READY=1 notifications the daemon sent: one at start, one more for each image that took over.</summary>
    public static int ReadyCount(Daemon daemon) => daemon.Notifications.Count(n => n.Split('\n').Contains("READY=1"));

    /// <summary>Log lines about a re-exec, asked for or refused.</summary>
    public static string[] ReexecLines(Daemon daemon) => [.. daemon.Logs.Where(l => l.Contains("re-exec", StringComparison.OrdinalIgnoreCase))];

    /// <summary>
    /// SIGUSR2, then waits for its outcome: a new READY=1 and a log line
    /// saying the daemon re-executed.
    /// </summary>
    public static async Task SignalAndWaitAsync(Daemon daemon, TimeSpan? timeout = null)
    {
        int ready = ReadyCount(daemon);
        int logged = ReexecLines(daemon).Count(IsSuccess);
        daemon.Signal(SIGUSR2);
        await Wait.UntilAsync(() => ReadyCount(daemon) > ready || daemon.HasExited, "READY=1 from the image SIGUSR2 started", timeout ?? TimeSpan.FromSeconds(30));
        Assert.False(daemon.HasExited, "the daemon exited on SIGUSR2:\n" + string.Join('\n', daemon.Logs.TakeLast(30)));
        await Wait.UntilAsync(() => ReexecLines(daemon).Count(IsSuccess) > logged, "a log line saying the daemon re-executed; the log's last lines:\n" + string.Join('\n', daemon.Logs.TakeLast(30)));
    }

    /// <summary>A log line that says a re-exec was done (and not refused).</summary>
    public static bool IsSuccess(string line) =>
        line.Contains("re-executed", StringComparison.OrdinalIgnoreCase) && !line.Contains("refused", StringComparison.OrdinalIgnoreCase);

    public static async Task<JsonElement> StatusAsync(Daemon daemon)
    {
        CliResult result = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        Assert.True(result.ExitCode == 0, $"status failed: {result}");
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    /// <summary>
    /// Every counter <c>status</c> shows that only ever grows, by name
    /// ("bridge relay Total", "log stderr Written"...).
    /// </summary>
    public static Dictionary<string, long> Counters(JsonElement status)
    {
        var counters = new Dictionary<string, long>();
        foreach (JsonElement bridge in status.GetProperty("Bridges").EnumerateArray())
        {
            string name = bridge.GetProperty("Name").GetString()!;
            counters[$"bridge {name} Total"] = bridge.GetProperty("Total").GetInt64();
            counters[$"bridge {name} Refused"] = bridge.GetProperty("Refused").GetInt64();
        }

        if (status.TryGetProperty("Log", out JsonElement log) && log.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement sink in log.EnumerateArray())
            {
                string name = sink.GetProperty("Sink").GetString()!;
                counters[$"log {name} Written"] = sink.GetProperty("Written").GetInt64();
                counters[$"log {name} Dropped"] = sink.GetProperty("Dropped").GetInt64();
            }
        }

        return counters;
    }

    /// <summary>The counters that went down from <paramref name="before"/> to <paramref name="after"/>, or vanished.</summary>
    public static string[] Decreases(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        [.. before.Where(c => !after.TryGetValue(c.Key, out long now) || now < c.Value)
            .Select(c => $"{c.Key}: {c.Value} -> {(after.TryGetValue(c.Key, out long now) ? now.ToString(System.Globalization.CultureInfo.InvariantCulture) : "gone")}")];

    /// <summary>
    /// The ids of the daemon's threads but its main one (whose id is the
    /// PID). execve ends every other thread, and a new image starts its own,
    /// so whether any of these is still there tells an image that went on
    /// from one that replaced it, whatever the daemon says.
    /// </summary>
    public static int[] OtherThreads(int pid) =>
        [.. System.IO.Directory.GetDirectories($"/proc/{pid}/task").Select(t => int.Parse(Path.GetFileName(t), System.Globalization.CultureInfo.InvariantCulture)).Where(t => t != pid)];

    /// <summary>Whether a thread of <paramref name="before"/> (from <see cref="OtherThreads"/>) still runs: the image was not replaced.</summary>
    public static bool SameImage(int pid, int[] before) => OtherThreads(pid).Intersect(before).Any();

    /// <summary>SOCKETBRIDGE_CONNECTION_ID from a launched program's environment.</summary>
    public static string ConnectionIdOf(int pid)
    {
        const string name = "SOCKETBRIDGE_CONNECTION_ID=";
        string environment = File.ReadAllText($"/proc/{pid}/environ");
        return environment.Split('\0').Single(v => v.StartsWith(name, StringComparison.Ordinal))[name.Length..];
    }
}
