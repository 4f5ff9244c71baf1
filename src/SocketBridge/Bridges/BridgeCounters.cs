using SocketBridge.Metrics;

namespace SocketBridge.Bridges;

/// <summary>Live counts of a bridge, for logs and status, and the signal that its last connection ended.</summary>
internal sealed class BridgeCounters
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;
    private int _queued;
    private volatile bool _draining;
    private volatile BridgeError? _lastError;

    /// <summary>What the next Release completes; null while nobody waits.</summary>
    private TaskCompletionSource? _released;

    /// <param name="tally">
    /// New, or shared with the bridge this one replaces in the same mode (a
    /// reload: its last connections still count), or carried by a re-exec.
    /// </param>
    public BridgeCounters(BridgeTally tally, BridgeError? lastError = null)
    {
        Tally = tally;
        _lastError = lastError;
    }

    /// <summary>Connections accepted and refused (by reason), programs, bytes: the bridge's metrics.</summary>
    public BridgeTally Tally { get; }

    /// <summary>Takes a slot for a connection carried over by a re-exec: it was counted in Total already, and is served whatever the limit.</summary>
    public void Readmit() => Interlocked.Increment(ref _active);

    /// <summary>The last warning or error logged about the bridge, for status.</summary>
    public BridgeError? LastError => _lastError;

    public void RecordError(BridgeError error) => _lastError = error;

    public int Active => Volatile.Read(ref _active);

    public long Total => Tally.Accepted;

    public long Refused => Tally.Refused;

    /// <summary>Takes a slot if fewer than <paramref name="limit"/> are active; otherwise counts a refusal (MaxConnections).</summary>
    public bool TryAdmit(int limit)
    {
        if (TryTake(limit))
        {
            return true;
        }

        Tally.CountRefused(RefusalReason.Max);
        return false;
    }

    /// <summary>Takes a slot if fewer than <paramref name="limit"/> are active, counting nothing else (a client that may wait).</summary>
    public bool TryTake(int limit)
    {
        int current = Volatile.Read(ref _active);
        while (current < limit)
        {
            int seen = Interlocked.CompareExchange(ref _active, current + 1, current);
            if (seen == current)
            {
                Tally.CountAccepted();
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>
    /// Connections accepted that wait for a slot before they are served (a
    /// queueing bridge whose other listener took the last slot meanwhile).
    /// They are no refusal, and draining waits for them too.
    /// </summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Counts an accepted connection that waits for a slot.</summary>
    public void Enqueue() => Interlocked.Increment(ref _queued);

    /// <summary>Gives a waiting connection a slot, if fewer than <paramref name="limit"/> are active.</summary>
    public bool TryTakeQueued(int limit)
    {
        // Active first: draining must never see both at zero in between.
        if (!TryTake(limit))
        {
            return false;
        }

        Interlocked.Decrement(ref _queued);
        return true;
    }

    /// <summary>
    /// Completes at the next <see cref="Release"/> after this call. Take it
    /// before looking at <see cref="Active"/>, then wait on it only if no
    /// slot was free: a slot freed in between completes it, so no release is
    /// missed and nobody polls.
    /// </summary>
    public Task NextReleaseAsync()
    {
        TaskCompletionSource? waiting = Volatile.Read(ref _released);
        if (waiting is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting = Interlocked.CompareExchange(ref _released, created, null) ?? created;
        }

        return waiting.Task;
    }

    /// <summary>Counts a connection refused before it asked for a slot (access control, rate, per source, descriptors).</summary>
    public void CountRefused(RefusalReason reason) => Tally.CountRefused(reason);

    /// <summary>Frees a slot, and wakes whoever waits for one.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _active) == 0 && _draining && Queued == 0)
        {
            _drained.TrySetResult();
        }

        if (Volatile.Read(ref _released) is not null)
        {
            Interlocked.Exchange(ref _released, null)?.TrySetResult();
        }
    }

    /// <summary>From now on, completes once no connection is active, nor accepted and waiting for a slot.</summary>
    public Task DrainAsync()
    {
        _draining = true;
        if (Active == 0 && Queued == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }
}
