using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Processes;

/// <summary>
/// Launches a program that is not a connection's own (a handoff program, an
/// on-demand backend, a FIFO session's program): stdin /dev/null (or a FIFO), stdout and stderr to the log line by
/// line (or /dev/null when StandardError is null), and optionally one more
/// descriptor as fd 3.
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
    /// Starts the program, its stdin <paramref name="stdin"/> or /dev/null;
    /// <paramref name="output"/> completes once its output
    /// has been read to the end. Throws <see cref="SpawnException"/> or
    /// <see cref="NativeCallException"/> when it cannot be started.
    /// </summary>
    public static ChildProcess Launch(
        ChildReaper reaper,
        SpawnSpec spec,
        BridgeOptions bridge,
        SafeFileHandle devNull,
        SafeHandle? fd3,
        SafeHandle? stdin,
        Action<int, string> writeLine,
        out Task output)
    {
        (SafeSocketHandle readEnd, SafeSocketHandle writeEnd) = Posix.SocketPair();
        var reader = new Socket(readEnd);
        bool nullAdded = false, writerAdded = false, fd3Added = false, stdinAdded = false;
        try
        {
            devNull.DangerousAddRef(ref nullAdded);
            writeEnd.DangerousAddRef(ref writerAdded);
            fd3?.DangerousAddRef(ref fd3Added);
            stdin?.DangerousAddRef(ref stdinAdded);
            int nul = (int)devNull.DangerousGetHandle();
            int input = stdin is null ? nul : (int)stdin.DangerousGetHandle();
            int log = bridge.StandardError == StandardErrorMode.Null ? nul : (int)writeEnd.DangerousGetHandle();
            ChildProcess child = fd3 is null
                ? reaper.Spawn(spec, [input, log, log])
                : reaper.Spawn(spec, [input, log, log, (int)fd3.DangerousGetHandle()]);
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
            Release(devNull, nullAdded);
            Release(writeEnd, writerAdded);
            if (fd3 is not null)
            {
                Release(fd3, fd3Added);
            }

            if (stdin is not null)
            {
                Release(stdin, stdinAdded);
            }

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

    private static void Release(SafeHandle handle, bool added)
    {
        if (added)
        {
            handle.DangerousRelease();
        }
    }
}
