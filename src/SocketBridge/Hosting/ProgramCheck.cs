using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Handover;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Hosting;

/// <summary>
/// Before a re-exec: runs the program the daemon would become, as a child,
/// with <c>check</c> and the daemon's own configuration options, to be sure
/// it starts, accepts the configuration, and reads this daemon's handover.
/// Launched through the reaper (the daemon reaps every child), its output
/// read from a socket pair, within <see cref="Timeout"/>.
/// </summary>
internal static class ProgramCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const int MaxOutput = 64 * 1024;

    /// <summary>The check's exit code (-1: did not start or did not finish) and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ChildReaper reaper, string path, IReadOnlyList<string> arguments)
    {
        // Opened for the check only: the daemon at rest holds no descriptor more for re-exec.
        using SafeFileHandle devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k is not "NOTIFY_SOCKET" and not "WATCHDOG_USEC" and not "WATCHDOG_PID" && !k.StartsWith("LISTEN_", StringComparison.Ordinal))
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")
            .Append($"{HandoverFormat.CheckVariable}=1")
            .ToList();
        var spec = new SpawnSpec { Path = path, Arguments = arguments, Environment = environment, NewSession = true };
        (SafeSocketHandle reading, SafeSocketHandle writing) = Posix.SocketPair();
        using var reader = new Socket(reading);
        ChildProcess child;
        try
        {
            child = reaper.Spawn(spec, [devNull, writing, writing]);
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            return (-1, ex.Message);
        }
        finally
        {
            writing.Dispose();
        }

        using var deadline = new CancellationTokenSource(Timeout);
        var output = new MemoryStream();
        byte[] buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await reader.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false)) > 0)
            {
                if (output.Length < MaxOutput)
                {
                    output.Write(buffer, 0, (int)Math.Min(read, MaxOutput - output.Length));
                }
            }

            ChildExit exit = await child.Exited.WaitAsync(deadline.Token).ConfigureAwait(false);
            string text = Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length);
            return exit.ExitStatus is { } status ? (status, text) : (-1, $"{text}killed by {exit.SignalName}");
        }
        catch (OperationCanceledException)
        {
            child.Signal(Posix.SIGKILL);
            return (-1, $"it did not finish within {Timeout.TotalSeconds:0} s");
        }
        catch (SocketException ex)
        {
            return (-1, ex.Message);
        }
    }
}
