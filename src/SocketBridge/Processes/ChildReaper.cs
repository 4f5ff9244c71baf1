using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SocketBridge.Handover;
using SocketBridge.Native;
using SocketBridge.Logging;

namespace SocketBridge.Processes;

/// <summary>
/// Reaps every launched program, so there is never a zombie. One thread
/// waits in waitid(P_ALL, WEXITED|WNOWAIT) and hands each exit to its
/// <see cref="ChildProcess"/>. A program can exit before the thread that
/// launched it has registered it; an exit of a pid not registered yet waits
/// until the launches under way have registered theirs, so it is never
/// taken for a stranger's.
/// </summary>
internal sealed partial class ChildReaper : IDisposable
{
    /// <summary>How often to look again when registered programs cannot be waited for.</summary>
    private static readonly TimeSpan LostChildrenRetry = TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, ChildProcess> _children = [];
    private int _launching; // launches between vfork and registration; under lock (_children)
    private readonly HashSet<int> _lingering = [];
    private readonly AutoResetEvent _spawned = new(false);
    private readonly ILogger<ChildReaper> _logger;
    private readonly Thread _thread;
    private readonly Dictionary<int, ChildProcess> _adopted = [];
    private bool _frozen; // under lock (_children)
    private volatile bool _disposed;

    public ChildReaper(ILogger<ChildReaper> logger)
        : this(logger, [])
    {
    }

    /// <param name="adopted">
    /// Programs launched by the daemon's previous image (a re-exec): still
    /// this process's children. They are watched from the start, before the
    /// thread could take one's exit for a stranger's.
    /// </param>
    public ChildReaper(ILogger<ChildReaper> logger, IEnumerable<ProgramHandover> adopted)
    {
        _logger = logger;
        foreach (ProgramHandover program in adopted)
        {
            ChildProcess child = program.WaitStatus is { } status
                ? new ChildProcess(program.Pid, program.LeadsGroup, ChildExit.FromWaitStatus(status) with { Usage = program.Usage ?? default })
                : new ChildProcess(program.Pid, program.LeadsGroup);
            _adopted[program.Pid] = child;
            if (program.WaitStatus is null)
            {
                _children[program.Pid] = child;
            }
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "sb-reaper" };
        _thread.Start();
    }

    /// <summary>The number of programs launched and not yet reaped.</summary>
    public int Count
    {
        get
        {
            lock (_children)
            {
                return _children.Count;
            }
        }
    }

    /// <summary>Launches a program (see <see cref="ProcessSpawner"/>) and starts watching it.</summary>
    public ChildProcess Spawn(SpawnSpec spec, ReadOnlySpan<SafeHandle> descriptors)
    {
        lock (_children)
        {
            _launching++;
        }

        int pid;
        try
        {
            pid = ProcessSpawner.Spawn(spec, descriptors);
        }
        catch
        {
            lock (_children)
            {
                _launching--;
                Monitor.PulseAll(_children);
            }

            throw;
        }

        var child = new ChildProcess(pid, spec.NewSession);
        lock (_children)
        {
            // Registered: an exit already waiting for this pid finds it now.
            _children.Add(pid, child);
            _launching--;
            Monitor.PulseAll(_children);
        }

        _spawned.Set();
        return child;
    }

    /// <summary>The program <paramref name="pid"/> carried over by a re-exec, once (null if it was not).</summary>
    public ChildProcess? TakeAdopted(int pid)
    {
        lock (_children)
        {
            return _adopted.Remove(pid, out ChildProcess? child) ? child : null;
        }
    }

    /// <summary>
    /// Stops reaping, for a re-exec: an exit from now on is left for the
    /// next image, which adopts the program. Returns once no reap is under way.
    /// </summary>
    public void Freeze()
    {
        lock (_children)
        {
            _frozen = true;
        }
    }

    /// <summary>Reaps again, after a re-exec that did not happen.</summary>
    public void Thaw()
    {
        lock (_children)
        {
            _frozen = false;
            Monitor.PulseAll(_children);
        }
    }

    /// <summary>
    /// Signals the process groups whose leader has exited but whose members
    /// (processes the program left behind) still run. Returns how many groups
    /// still exist. A group's number cannot be reused while it has members.
    /// </summary>
    public int SignalLingering(int signal)
    {
        lock (_lingering)
        {
            _lingering.RemoveWhere(group => !Posix.Kill(-group, 0));
            foreach (int group in _lingering)
            {
                Posix.Kill(-group, signal);
            }

            return _lingering.Count;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _spawned.Set();
    }

    private void Run()
    {
        bool reportedLost = false;
        while (!_disposed)
        {
            int pid = ChildWaits.WaitAnyExited();
            if (pid == -Errno.ECHILD)
            {
                // No child at all, yet some are registered: something reaped
                // them behind the daemon's back (SIGCHLD set to SIG_IGN again,
                // or SA_NOCLDWAIT), and their exits will never be seen. Say so
                // once, and look again now and then rather than wait forever.
                int registered = Count;
                if (registered == 0)
                {
                    reportedLost = false;
                    _spawned.WaitOne();
                }
                else
                {
                    if (!reportedLost)
                    {
                        LogChildrenLost(_logger, registered);
                        reportedLost = true;
                    }

                    _spawned.WaitOne(LostChildrenRetry);
                }

                continue;
            }

            reportedLost = false;

            if (pid <= 0)
            {
                LogWaitFailed(_logger, -pid);
                Thread.Sleep(100);
                continue;
            }

            ChildProcess? child;
            int unknownStatus = 0;
            bool unknownReaped = false;
            lock (_children)
            {
                // A re-exec under way: the exit is the next image's to take.
                while (_frozen)
                {
                    Monitor.Wait(_children);
                }

                while (!_children.Remove(pid, out child) && _launching > 0)
                {
                    Monitor.Wait(_children);
                }

                // Reaped under the lock, so a freeze never comes between the reap and its record.
                if (child is null)
                {
                    // Not launched through Spawn: reap it anyway, never leave a zombie.
                    // (A program that failed to start was already reaped by sb_spawn.)
                    unknownReaped = ChildWaits.Reap(pid, out unknownStatus, out _) == 1;
                }
                else
                {
                    child.Reap();
                }
            }

            if (child is null)
            {
                if (unknownReaped)
                {
                    LogUnknownChild(_logger, pid, ChildExit.FromWaitStatus(unknownStatus).ToString());
                }
            }
            else if (child.LeadsGroup && Posix.Kill(-pid, 0))
            {
                lock (_lingering)
                {
                    _lingering.Add(pid);
                }
            }
        }
    }

    [LoggerMessage(EventId = LogEventIds.WaitFailed, Level = LogLevel.Error, Message = "waitid failed with errno {Errno}")]
    private static partial void LogWaitFailed(ILogger logger, int errno);

    [LoggerMessage(EventId = LogEventIds.ChildrenLost, Level = LogLevel.Error, Message = "waitid: no child process, yet {ChildCount} launched program(s) are not reaped: something reaps them instead of socketbridge (SIGCHLD ignored?), so their exits and the end of their connections cannot be seen")]
    private static partial void LogChildrenLost(ILogger logger, int childCount);

    [LoggerMessage(EventId = LogEventIds.UnknownChildReaped, Level = LogLevel.Warning, Message = "reaped process {ChildPid} that socketbridge did not launch ({Outcome})")]
    private static partial void LogUnknownChild(ILogger logger, int childPid, string outcome);
}
