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

    public Task<ChildExit> Exited => _exited.Task;

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
            int rc = ChildWaits.Reap(Pid, out int status);
            if (rc <= 0)
            {
                return;
            }

            _reaped = true;
            exit = ChildExit.FromWaitStatus(status);
        }

        _exited.TrySetResult(exit);
    }
}
