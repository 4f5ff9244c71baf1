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

    internal ProgramRun(ChildProcess child, Task forwarding, Socket? standardError)
    {
        Child = child;
        Forwarding = forwarding;
        _standardError = standardError;
    }

    public ChildProcess Child { get; }

    public int Pid => Child.Pid;

    /// <summary>Completes once the program's stderr has been read to its end (at once when it does not go to the log).</summary>
    public Task Forwarding { get; }

    /// <summary>
    /// Waits for the program to exit, asking it to (SIGTERM to its group)
    /// when <paramref name="stop"/> fires and making it (SIGKILL) when
    /// <paramref name="kill"/> does: the bridge's shutdown, cancellation and
    /// then the ShutdownTimeout deadline. Then lets the last lines of its
    /// stderr arrive, for up to half a second, so they are logged before its end.
    /// </summary>
    public async Task<ChildExit> WaitAsync(CancellationToken stop, CancellationToken kill)
    {
        ChildExit exit;
        using (stop.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGTERM), Child))
        using (kill.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGKILL), Child))
        {
            exit = await Child.Exited.ConfigureAwait(false);
        }

        // Unless a process it left behind keeps stderr open. (No timer when
        // there is nothing to wait for: it would fire for nothing later.)
        if (!Forwarding.IsCompleted)
        {
            await Task.WhenAny(Forwarding, Task.Delay(StandardErrorGrace, CancellationToken.None)).ConfigureAwait(false);
        }

        return exit;
    }

    /// <summary>What the next image needs to watch the program on (see <see cref="ChildProcess.Capture"/>).</summary>
    public ProgramHandover Capture(CarriedDescriptors carried) => Child.Capture(carried.Carry(_standardError?.SafeHandle));

    public void Dispose() => _standardError?.Dispose();
}
