using System.Net.Sockets;
using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Processes;

/// <summary>
/// A program started by <see cref="ProgramLauncher"/>: the child, and the
/// forwarding of its stderr to the log. Disposing it stops reading that
/// stderr, which a process the program left behind may still hold open.
/// </summary>
internal sealed class ProgramRun : IDisposable
{
    /// <summary>How long, after the program exits, its stderr may still be read before the end is logged.</summary>
    private static readonly TimeSpan StandardErrorGrace = TimeSpan.FromMilliseconds(500);

    private readonly Socket? _standardError;
    private readonly RuntimeLimit? _runtime;

    internal ProgramRun(ChildProcess child, Task forwarding, Socket? standardError, RuntimeLimit? runtime)
    {
        Child = child;
        Forwarding = forwarding;
        _standardError = standardError;
        _runtime = runtime;
    }

    public ChildProcess Child { get; }

    public int Pid => Child.Pid;

    /// <summary>Completes once the program's stderr has been read to its end (at once when it does not go to the log).</summary>
    public Task Forwarding { get; }

    /// <summary>
    /// Waits for the program to exit, asking it to (SIGTERM to its group)
    /// when <paramref name="stop"/> fires and making it (SIGKILL) when
    /// <paramref name="kill"/> does: the bridge's shutdown, cancellation and
    /// then the ShutdownTimeout deadline; RuntimeMax does the same on its own
    /// clock, and the exit says what it sent. Then lets the last lines of its
    /// stderr arrive, for up to half a second, so they are logged before its end.
    /// </summary>
    public async Task<ChildExit> WaitAsync(CancellationToken stop, CancellationToken kill)
    {
        ChildExit exit;
        using (stop.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGTERM), Child))
        using (kill.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGKILL), Child))
        {
            exit = await ExitedAsync().ConfigureAwait(false);
        }

        // Unless a process it left behind keeps stderr open. (No timer when
        // there is nothing to wait for: it would fire for nothing later.)
        if (!Forwarding.IsCompleted)
        {
            await Task.WhenAny(Forwarding, Task.Delay(StandardErrorGrace, CancellationToken.None)).ConfigureAwait(false);
        }

        return exit;
    }

    /// <summary>
    /// The program's exit, with what RuntimeMax sent it (no stop of the
    /// caller's, no wait for its stderr). Without RuntimeMax, the reaper's
    /// task itself: nothing more per launch.
    /// </summary>
    public Task<ChildExit> ExitedAsync() => _runtime is null ? Child.Exited : ExitedWithinRuntimeAsync(_runtime);

    private async Task<ChildExit> ExitedWithinRuntimeAsync(RuntimeLimit runtime)
    {
        ChildExit exit = await Child.Exited.ConfigureAwait(false);
        runtime.Dispose();
        return exit with { RuntimeMaxSignal = runtime.Sent };
    }

    /// <summary>What the next image needs to watch the program on (see <see cref="ChildProcess.Capture"/>).</summary>
    public ProgramHandover Capture(CarriedDescriptors carried)
    {
        ProgramHandover program = Child.Capture(carried.Carry(_standardError?.SafeHandle));
        return _runtime is null ? program : program with
        {
            RuntimeDeadline = _runtime.Deadline,
            RuntimeKillAfterMs = (long)_runtime.KillAfter.TotalMilliseconds,
            RuntimeMaxSignal = _runtime.Sent,
        };
    }

    public void Dispose()
    {
        _runtime?.Dispose();
        _standardError?.Dispose();
    }
}
