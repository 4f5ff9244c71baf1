namespace SocketBridge.Bridges;

/// <summary>Live counts of a bridge, for logs and status.</summary>
public sealed class BridgeCounters
{
    private long _total;
    private long _refused;
    private int _active;

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

    /// <summary>Frees a slot; returns how many are still active.</summary>
    public int Release() => Interlocked.Decrement(ref _active);
}
