using System.Diagnostics;
using System.Text.Json;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A real systemd-journald of the test's own, in a journal namespace
/// (systemd-journald NAMESPACE, read back with journalctl --namespace), and
/// a launcher that runs socketbridge in a private mount namespace where that
/// journal's directory is mounted at /run/systemd/journal, just as systemd
/// does for a unit with LogNamespace=. The daemon finds it at the standard
/// path: nothing in socketbridge knows it is being tested.
/// </summary>
public sealed class PrivateJournal : IDisposable
{
    private const string Journald = "/lib/systemd/systemd-journald";
    private readonly Process _journald;
    private readonly TempDirectory _directory = new();

    private PrivateJournal(string name, Process journald)
    {
        Namespace = name;
        _journald = journald;
    }

    public string Namespace { get; }

    public string RuntimeDirectory => $"/run/systemd/journal.{Namespace}";

    /// <summary>Stops journald (SIGSTOP), as one stuck on a slow disk: its socket stays, nobody reads it.</summary>
    public void Pause() => LibC.Kill(_journald.Id, 19);

    /// <summary>Lets a paused journald go on (SIGCONT).</summary>
    public void Resume() => LibC.Kill(_journald.Id, 18);

    /// <summary>Prefix for <see cref="Daemon.Launch"/>: socketbridge and its arguments follow.</summary>
    public string[] Launcher
    {
        get
        {
            string mountPoint = _directory["journal"];
            Directory.CreateDirectory(mountPoint);
            string script = $"mount --bind {RuntimeDirectory} {mountPoint} && mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/journal && mount --bind {mountPoint} /run/systemd/journal && exec \"$@\"";
            return ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"];
        }
    }

    public static async Task<PrivateJournal> StartAsync()
    {
        string name = $"sbtest{Environment.ProcessId}x{Guid.NewGuid().ToString("N")[..8]}";
        var start = new ProcessStartInfo(Journald)
        {
            ArgumentList = { name },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var journal = new PrivateJournal(name, process);
        try
        {
            await Wait.UntilAsync(() => File.Exists($"{journal.RuntimeDirectory}/socket") || process.HasExited, $"systemd-journald {name} to create its socket");
            if (process.HasExited)
            {
                throw new InvalidOperationException($"systemd-journald {name} exited with {process.ExitCode}");
            }
        }
        catch
        {
            journal.Dispose();
            throw;
        }

        return journal;
    }

    /// <summary>The entries (journalctl -o json) matching <paramref name="matches"/>, such as <c>BRIDGE=echo</c>.</summary>
    public async Task<List<Dictionary<string, string>>> EntriesAsync(params string[] matches)
    {
        var start = new ProcessStartInfo("journalctl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[$"--namespace={Namespace}", "-o", "json", "--no-pager", "--all", .. matches])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await Wait.ForAsync(process.WaitForExitAsync().ContinueWith(_ => true, TaskScheduler.Default), "journalctl");
        var entries = new List<Dictionary<string, string>>();
        foreach (string line in (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            var entry = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty field in document.RootElement.EnumerateObject())
            {
                entry[field.Name] = field.Value.ValueKind switch
                {
                    JsonValueKind.String => field.Value.GetString()!,
                    // journalctl shows a value that is not valid UTF-8 as an array of bytes.
                    JsonValueKind.Array => System.Text.Encoding.UTF8.GetString(field.Value.EnumerateArray().Select(b => b.GetByte()).ToArray()),
                    _ => field.Value.GetRawText(),
                };
            }

            entries.Add(entry);
        }

        _ = await stderr;
        return entries;
    }

    /// <summary>Waits until some entry matching <paramref name="matches"/> satisfies <paramref name="condition"/>.</summary>
    public async Task<Dictionary<string, string>> WaitForEntryAsync(Func<Dictionary<string, string>, bool> condition, string what, params string[] matches)
    {
        Dictionary<string, string>? found = null;
        var clock = Stopwatch.StartNew();
        while ((found = (await EntriesAsync(matches)).FirstOrDefault(condition)) is null)
        {
            if (clock.Elapsed > Wait.DefaultTimeout)
            {
                List<Dictionary<string, string>> all = await EntriesAsync(matches);
                throw new TimeoutException($"no journal entry with {what} within {Wait.DefaultTimeout.TotalSeconds} s; entries matching {string.Join(' ', matches)}:\n"
                    + string.Join('\n', all.Select(e => e.GetValueOrDefault("MESSAGE"))));
            }

            await Task.Delay(100);
        }

        return found;
    }

    public void Dispose()
    {
        try
        {
            if (!_journald.HasExited)
            {
                _journald.Kill();
                _journald.WaitForExit(10_000);
            }
        }
        finally
        {
            _journald.Dispose();
            string machineId = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : string.Empty;
            foreach (string directory in (string[])[RuntimeDirectory, $"/var/log/journal/{machineId}.{Namespace}", $"/run/log/journal/{machineId}.{Namespace}"])
            {
                if (machineId.Length > 0 && Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }

            _directory.Dispose();
        }
    }
}
