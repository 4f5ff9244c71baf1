using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Processes;

/// <summary>
/// A launched program that leads its own process group. Signals go to the
/// whole group, and only while the leader is not yet reaped, so a recycled
/// pid is never signalled.
/// </summary>
internal sealed class ChildProcess
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource<ChildExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _reaped;

    internal ChildProcess(int pid, bool leadsGroup)
    {
        Pid = pid;
        LeadsGroup = leadsGroup;
    }

    public int Pid { get; }

    /// <summary>True when the program was started in a new session, so its pid is its group.</summary>
    public bool LeadsGroup { get; }

    /// <summary>A program carried over by a re-exec that the previous image had already reaped.</summary>
    internal ChildProcess(int pid, bool leadsGroup, ChildExit exit)
        : this(pid, leadsGroup)
    {
        _reaped = true;
        _exited.TrySetResult(exit);
    }

    public Task<ChildExit> Exited => _exited.Task;

    /// <summary>What the next image needs to watch on; <paramref name="standardErrorFd"/> is the daemon's end of its stderr, if any.</summary>
    public ProgramHandover Capture(int standardErrorFd)
    {
        lock (_gate)
        {
            return new ProgramHandover
            {
                Pid = Pid,
                LeadsGroup = LeadsGroup,
                StandardErrorFd = standardErrorFd,
                WaitStatus = _reaped && _exited.Task.IsCompletedSuccessfully ? _exited.Task.Result.ToWaitStatus() : null,
                Usage = _reaped && _exited.Task.IsCompletedSuccessfully ? _exited.Task.Result.Usage : null,
            };
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the program's process group; false when it has already exited.</summary>
    public bool Signal(int signal)
    {
        lock (_gate)
        {
            return !_reaped && Posix.Kill(LeadsGroup ? -Pid : Pid, signal);
        }
    }

    /// <summary>Called by the reaper once the program has exited.</summary>
    internal void Reap()
    {
        ChildExit exit;
        lock (_gate)
        {
            int rc = ChildWaits.Reap(Pid, out int status, out ResourceUsage used);
            if (rc <= 0)
            {
                return;
            }

            _reaped = true;
            exit = ChildExit.FromWaitStatus(status) with { Usage = used };
        }

        _exited.TrySetResult(exit);
    }
}
