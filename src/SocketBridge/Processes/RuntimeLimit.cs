using System.Diagnostics;
using SocketBridge.Native;

namespace SocketBridge.Processes;

/// <summary>
/// RuntimeMax of one launched program: when it is reached, SIGTERM to the
/// program's process group; if the program is still there after its stop
/// timeout (ShutdownTimeout), SIGKILL. The deadline is a Stopwatch
/// timestamp (CLOCK_MONOTONIC), so a re-exec carries it as it is.
/// </summary>
internal sealed class RuntimeLimit : IDisposable
{
    private readonly ChildProcess _child;
    private readonly TimeSpan _killAfter;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private int _sent;
    private bool _disposed;

    private RuntimeLimit(ChildProcess child, long deadline, TimeSpan killAfter, int sent, TimeProvider time)
    {
        _child = child;
        Deadline = deadline;
        _killAfter = killAfter;
        _sent = sent;
        _timer = time.CreateTimer(static s => ((RuntimeLimit)s!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            Arm();
        }
    }

    /// <summary>When SIGTERM is due (Stopwatch timestamp).</summary>
    public long Deadline { get; }

    /// <summary>The stop timeout, between SIGTERM and SIGKILL.</summary>
    public TimeSpan KillAfter => _killAfter;

    /// <summary>The last signal sent for RuntimeMax (SIGTERM, SIGKILL), 0 while none was.</summary>
    public int Sent
    {
        get
        {
            lock (_gate)
            {
                return _sent;
            }
        }
    }

    /// <summary>Watches <paramref name="child"/>, started at <paramref name="startedAt"/>, for <paramref name="runtimeMax"/>; null when there is none.</summary>
    public static RuntimeLimit? Start(ChildProcess child, long startedAt, TimeSpan? runtimeMax, TimeSpan killAfter) =>
        runtimeMax is { } max ? new RuntimeLimit(child, startedAt + (long)(max.TotalSeconds * Stopwatch.Frequency), killAfter, 0, TimeProvider.System) : null;

    /// <summary>Watches on a program carried over by a re-exec, from where the previous image left off.</summary>
    public static RuntimeLimit? Resume(ChildProcess child, long? deadline, TimeSpan killAfter, int sent) =>
        deadline is { } due ? new RuntimeLimit(child, due, killAfter, sent, TimeProvider.System) : null;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }

    private void Fire()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // A program already gone (reaped) is signalled no more, and the timer stops.
            int next = _sent switch
            {
                0 => Posix.SIGTERM,
                Posix.SIGTERM => Posix.SIGKILL,
                _ => 0,
            };
            if (next == 0 || !_child.Signal(next))
            {
                return;
            }

            _sent = next;
            Arm();
        }
    }

    /// <summary>The timer for the next step: SIGTERM at the deadline, SIGKILL the stop timeout after it.</summary>
    private void Arm()
    {
        long due = _sent switch
        {
            0 => Deadline,
            Posix.SIGTERM => Deadline + (long)(_killAfter.TotalSeconds * Stopwatch.Frequency),
            _ => -1,
        };
        if (due < 0)
        {
            return;
        }

        TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        _timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
    }
}
