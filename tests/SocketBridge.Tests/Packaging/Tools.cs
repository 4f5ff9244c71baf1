using System.Diagnostics;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>Runs the build and packaging tools (make, dpkg-deb, systemd-analyze, sh...) to completion.</summary>
public static class Tools
{
    /// <summary>
    /// Runs <paramref name="program"/>; <paramref name="environment"/> sets variables (a null value
    /// removes one), and <paramref name="clearEnvironment"/> starts from an empty environment.
    /// </summary>
    public static async Task<CliResult> RunAsync(string program, IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, bool clearEnvironment = false)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (clearEnvironment)
        {
            start.Environment.Clear();
        }

        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        TimeSpan limit = timeout ?? Wait.DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {limit}");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs <paramref name="program"/> and fails the test, with everything it printed, unless it exits 0.</summary>
    public static async Task<CliResult> RunOkAsync(string program, params string[] args)
    {
        CliResult result = await RunAsync(program, args);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>
    /// Runs a shell script as root in a private mount namespace (unshare -m), so
    /// that it can mount over /run or /usr/share/dotnet without the rest of the
    /// machine seeing it. <paramref name="args"/> are the script's $1, $2...
    /// </summary>
    public static Task<CliResult> InMountNamespaceAsync(string script, IEnumerable<string> args, TimeSpan? timeout = null) =>
        RunAsync("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-ec", script, "sh", .. args], timeout);
}
