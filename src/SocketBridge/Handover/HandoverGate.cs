namespace SocketBridge.Handover;

/// <summary>
/// What keeps a re-exec from cutting a step in half. Each step that changes
/// what the daemon would hand over (an accept and the registration of what
/// it accepted, the launch of a program and its recording, the start of a
/// relay) runs inside the gate (<see cref="TryEnter"/> or <see cref="Enter"/>,
/// then <see cref="Exit"/>). <see cref="Close"/> stops new steps, fires
/// <see cref="Pausing"/> so that waits (an accept) end, and returns once no
/// step is under way: from then on the state holds still, to be captured.
/// <see cref="Reopen"/> lets everything go on, when the exec did not happen.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The sources' tokens may be held by waits long after a handover; they own no unmanaged resource once they have no timer.")]
internal sealed class HandoverGate
{
    private readonly object _lock = new();
    private int _inside;
    private bool _closed;
    private CancellationTokenSource _pausing = new();
    private TaskCompletionSource _reopened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Fires when a handover begins: whatever waits inside the gate stops waiting and leaves.</summary>
    public CancellationToken Pausing
    {
        get
        {
            lock (_lock)
            {
                return _pausing.Token;
            }
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>Enters, unless a handover is under way (then false, and <see cref="WaitReopenedAsync"/>).</summary>
    public bool TryEnter()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _inside++;
            return true;
        }
    }

    /// <summary>
    /// Enters, waiting out a handover under way: which ends either with an
    /// exec (and this thread with it) or with <see cref="Reopen"/>. Never
    /// call it inside the gate already.
    /// </summary>
    public void Enter()
    {
        lock (_lock)
        {
            while (_closed)
            {
                Monitor.Wait(_lock);
            }

            _inside++;
        }
    }

    public void Exit()
    {
        lock (_lock)
        {
            if (--_inside == 0 && _closed)
            {
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Completes when the gate opens again (at once if it is open).</summary>
    public Task WaitReopenedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _closed ? _reopened.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
        }
    }

    /// <summary>
    /// Closes the gate and waits, up to <paramref name="timeout"/>, until no
    /// step is under way. False (and the gate open again) when one did not
    /// end in time.
    /// </summary>
    public bool Close(TimeSpan timeout)
    {
        CancellationTokenSource pausing;
        lock (_lock)
        {
            if (_closed)
            {
                throw new InvalidOperationException("a handover is already under way");
            }

            _closed = true;
            pausing = _pausing;
        }

        // Outside the lock: the callbacks of waits end them, and they Exit.
        pausing.Cancel();
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_lock)
        {
            while (_inside > 0)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    Open();
                    return false;
                }

                Monitor.Wait(_lock, (int)left);
            }

            return true;
        }
    }

    /// <summary>Lets everything go on after a handover that did not happen.</summary>
    public void Reopen()
    {
        lock (_lock)
        {
            Open();
        }
    }

    private void Open()
    {
        _closed = false;
        // The old source is not disposed: waits may still hold its token.
        _pausing = new CancellationTokenSource();
        TaskCompletionSource reopened = _reopened;
        _reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reopened.TrySetResult();
        Monitor.PulseAll(_lock);
    }
}
