using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Processes;

/// <summary>
/// Launches a program that is not a connection's own (a handoff program, an
/// on-demand backend, a FIFO session's program): stdin /dev/null (or a FIFO), stdout and stderr to the log line by
/// line (or /dev/null when StandardError is null), and optionally listening
/// sockets from fd 3 on.
/// </summary>
public static class ServiceProgram
{
    /// <summary>PATH, the bridge's Environment and PassEnvironment, and SOCKETBRIDGE_BRIDGE.</summary>
    public static List<string> BaseEnvironment(BridgeOptions bridge)
    {
        var variables = new List<string>();
        if (!bridge.Environment.Any(v => v.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            variables.Add(ChildEnvironment.DefaultPath);
        }

        variables.AddRange(bridge.Environment);
        variables.Add($"SOCKETBRIDGE_BRIDGE={bridge.Name}");
        return variables;
    }

    /// <summary>
    /// Starts the program, its stdin <paramref name="stdin"/> or /dev/null, its
    /// stdout <paramref name="stdout"/> or the log (as stderr, StandardError
    /// journal or null), <paramref name="passed"/> as fds 3, 4...;
    /// <paramref name="output"/> completes once its output has been read to the end. Throws <see cref="SpawnException"/> or
    /// <see cref="NativeCallException"/> when it cannot be started.
    /// </summary>
    public static ChildProcess Launch(
        ChildReaper reaper,
        SpawnSpec spec,
        BridgeOptions bridge,
        SafeFileHandle devNull,
        IReadOnlyList<SafeHandle> passed,
        SafeHandle? stdin,
        SafeHandle? stdout,
        Action<int, string> writeLine,
        out Task output)
    {
        (SafeSocketHandle readEnd, SafeSocketHandle writeEnd) = Posix.SocketPair();
        var reader = new Socket(readEnd);
        try
        {
            SafeHandle log = bridge.StandardError == StandardErrorMode.Null ? devNull : writeEnd;
            var fds = new SafeHandle[3 + passed.Count];
            (fds[0], fds[1], fds[2]) = (stdin ?? devNull, stdout ?? log, log);
            for (int i = 0; i < passed.Count; i++)
            {
                fds[3 + i] = passed[i];
            }

            ChildProcess child = reaper.Spawn(spec, fds);
            output = ReadOutputAsync(reader, child.Pid, writeLine);
            return child;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
        finally
        {
            writeEnd.Dispose();
        }
    }

    private static async Task ReadOutputAsync(Socket reader, int pid, Action<int, string> writeLine)
    {
        using (reader)
        {
            await StandardErrorForwarder.RunAsync(reader, line => writeLine(pid, line), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
