namespace SocketBridge.Bridges;

/// <summary>Live counts of a bridge, for logs and status, and the signal that its last connection ended.</summary>
public sealed class BridgeCounters
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _total;
    private long _refused;
    private int _active;
    private volatile bool _draining;
    private volatile BridgeError? _lastError;

    public BridgeCounters()
    {
    }

    /// <summary>A bridge changed by a reload goes on counting where its predecessor was.</summary>
    public BridgeCounters(BridgeCounters predecessor)
    {
        _total = predecessor.Total;
        _refused = predecessor.Refused;
        _lastError = predecessor.LastError;
    }

    /// <summary>The last warning or error logged about the bridge, for status.</summary>
    public BridgeError? LastError => _lastError;

    public void RecordError(BridgeError error) => _lastError = error;

    public int Active => Volatile.Read(ref _active);

    public long Total => Interlocked.Read(ref _total);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Takes a slot if fewer than <paramref name="limit"/> are active.</summary>
    public bool TryAdmit(int limit)
    {
        int current = Volatile.Read(ref _active);
        while (current < limit)
        {
            int seen = Interlocked.CompareExchange(ref _active, current + 1, current);
            if (seen == current)
            {
                Interlocked.Increment(ref _total);
                return true;
            }

            current = seen;
        }

        Interlocked.Increment(ref _refused);
        return false;
    }

    /// <summary>Counts a connection refused before it asked for a slot (access control).</summary>
    public void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>Frees a slot.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _active) == 0 && _draining)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>From now on, completes once no connection is active.</summary>
    public Task DrainAsync()
    {
        _draining = true;
        if (Active == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }
}
