using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Handover;
using SocketBridge.Metrics;
using SocketBridge.Native;

namespace SocketBridge.Processes;

/// <summary>
/// The one way a bridge runs its program (SPEC 5): a connection's program
/// (spawn), a handoff program, a FIFO session's program, an on-demand
/// backend. One vfork and one exec (<see cref="ProcessSpawner"/>), watched by
/// the <see cref="ChildReaper"/>, as the bridge's <c>User</c>/<c>Group</c>
/// in its <c>WorkingDirectory</c>, in a new session (setsid), so that stop
/// and kill reach the program's whole process group; stderr to the log line by line
/// (<see cref="StandardErrorForwarder"/>), or /dev/null with StandardError
/// null. What differs between the uses is what the caller passes: the
/// environment (<see cref="ChildEnvironment"/>), fds 0, 1 and 2, the
/// descriptors from fd 3 on, and what it does with the <see cref="ProgramRun"/>.
/// </summary>
internal sealed class ProgramLauncher
{
    private readonly ChildReaper _reaper;
    private readonly SafeFileHandle _devNull;
    private readonly ProgramOptions _program;
    private readonly bool _discardStandardError;
    private readonly bool _setListenPid;
    private readonly BridgeTally _tally;
    private readonly bool _handoff;

    /// <param name="setListenPid">LISTEN_PID for the program (sd_listen_fds(3)): when it is given sockets from fd 3 on.</param>
    /// <param name="tally">Where each launch is counted.</param>
    /// <param name="handoff">A handoff program: each launch after the bridge's first is a restart.</param>
    public ProgramLauncher(ChildReaper reaper, SafeFileHandle devNull, ProgramOptions program, bool setListenPid, BridgeTally tally, bool handoff = false)
    {
        _tally = tally;
        _handoff = handoff;
        _reaper = reaper;
        _devNull = devNull;
        _program = program;
        Exec = program.Exec;
        _discardStandardError = program.StandardError == StandardErrorMode.Null;
        _setListenPid = setListenPid;
    }

    public ExecOptions Exec { get; }

    /// <summary>
    /// Starts the program with <paramref name="environment"/> (exactly; no
    /// LISTEN_PID), <paramref name="input"/> on fd 0 (/dev/null when null),
    /// <paramref name="output"/> on fd 1 (fd 2's when null), <paramref name="error"/>
    /// on fd 2 (when null, a pipe to the log whose lines go to
    /// <paramref name="writeLine"/> with the program's pid, or /dev/null with
    /// StandardError null), and <paramref name="passed"/> from fd 3 on. The
    /// log pipe must be numbered below <paramref name="descriptorCeiling"/>
    /// (<see cref="DescriptorShortageException"/> if not). Throws
    /// <see cref="SpawnException"/> or <see cref="NativeCallException"/> when
    /// the program cannot be started, ObjectDisposedException when one of the
    /// descriptors was closed. <paramref name="handOver"/> (a connection, of
    /// which the daemon keeps no copy) is disposed as soon as the program has
    /// its copies, or could not be started, before anything else: its peer
    /// sees the end only once every copy is closed, and a program such as
    /// /bin/true is done by then.
    /// </summary>
    public ProgramRun Start(
        IReadOnlyList<string> environment,
        Action<int, string> writeLine,
        SafeHandle? input = null,
        SafeHandle? output = null,
        SafeHandle? error = null,
        ReadOnlySpan<SafeHandle> passed = default,
        int descriptorCeiling = int.MaxValue,
        IDisposable? handOver = null)
    {
        ChildProcess child;
        Socket? logReader;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            child = Spawn(environment, input, output, error, passed, descriptorCeiling, out logReader);
        }
        finally
        {
            handOver?.Dispose();
        }

        _tally.CountLaunched(_handoff);

        Task forwarding = logReader is null ? Task.CompletedTask : ForwardAsync(logReader, child.Pid, writeLine);
        return new ProgramRun(child, forwarding, logReader, RuntimeLimit.Start(child, started, _program.RuntimeMax, _program.StopTimeout));
    }

    /// <summary>
    /// Watches on a program launched by the daemon's previous image (a
    /// re-exec): <paramref name="child"/> from the reaper, its stderr from
    /// the descriptor the previous image read it from, and its RuntimeMax
    /// from where the previous image left off.
    /// </summary>
    public static ProgramRun Resume(ChildProcess child, ProgramHandover program, Action<int, string> writeLine)
    {
        int standardErrorFd = program.StandardErrorFd;
        Socket? logReader = standardErrorFd >= 0 ? new Socket(new SafeSocketHandle(standardErrorFd, ownsHandle: true)) : null;
        Task forwarding = logReader is null ? Task.CompletedTask : ForwardAsync(logReader, child.Pid, writeLine);
        RuntimeLimit? runtime = RuntimeLimit.Resume(child, program.RuntimeDeadline, TimeSpan.FromMilliseconds(program.RuntimeKillAfterMs), program.RuntimeMaxSignal);
        return new ProgramRun(child, forwarding, logReader, runtime);
    }

    private ChildProcess Spawn(
        IReadOnlyList<string> environment,
        SafeHandle? input,
        SafeHandle? output,
        SafeHandle? error,
        ReadOnlySpan<SafeHandle> passed,
        int descriptorCeiling,
        out Socket? logReader)
    {
        var spec = new SpawnSpec
        {
            Path = Exec.Path,
            Arguments = Exec.Arguments,
            Environment = environment,
            SetListenPid = _setListenPid,
            WorkingDirectory = _program.WorkingDirectory,
            Credentials = _program.Credentials,
            NewSession = true,
            Sandbox = _program.Sandbox,
        };

        logReader = null;
        SafeSocketHandle? logWriter = null;
        if (error is null && !_discardStandardError)
        {
            logWriter = OpenLogPipe(descriptorCeiling, out logReader);
        }

        SafeHandle errorTarget = error ?? logWriter ?? (SafeHandle)_devNull;
        var fds = new SafeHandle[3 + passed.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            fds[i] = Descriptor(i, input, output, errorTarget, passed);
        }

        try
        {
            // ProcessSpawner holds each handle while the child is made.
            return _reaper.Spawn(spec, fds);
        }
        catch
        {
            logReader?.Dispose();
            logReader = null;
            throw;
        }
        finally
        {
            // The program has its copy; the daemon reads the other end.
            logWriter?.Dispose();
        }
    }

    /// <summary>What goes on the program's descriptor <paramref name="fd"/>.</summary>
    private SafeHandle Descriptor(int fd, SafeHandle? input, SafeHandle? output, SafeHandle error, ReadOnlySpan<SafeHandle> passed) => fd switch
    {
        0 => input ?? _devNull,
        1 => output ?? error,
        2 => error,
        _ => passed[fd - 3],
    };

    private static SafeSocketHandle OpenLogPipe(int ceiling, out Socket reader)
    {
        (SafeSocketHandle readEnd, SafeSocketHandle writeEnd) = Posix.SocketPair();
        if (!Posix.IsNumberedBelow(readEnd, ceiling) || !Posix.IsNumberedBelow(writeEnd, ceiling))
        {
            readEnd.Dispose();
            writeEnd.Dispose();
            throw new DescriptorShortageException("none was left for the program's stderr");
        }

        reader = new Socket(readEnd);
        return writeEnd;
    }

    private static async Task ForwardAsync(Socket reader, int pid, Action<int, string> writeLine)
    {
        using (reader)
        {
            await StandardErrorForwarder.RunAsync(reader, line => writeLine(pid, line), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
