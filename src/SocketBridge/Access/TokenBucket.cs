namespace SocketBridge.Access;

/// <summary>
/// RateLimit as a token bucket: holds at most Count tokens, refilled at
/// Count per Period; each new connection takes one. When it is empty,
/// connections are refused until it refills, so a flood slows service
/// down only while it lasts (never a lasting stop, unlike a trigger limit).
/// </summary>
internal sealed class TokenBucket(RateLimit limit, TimeProvider time)
{
    private readonly object _gate = new();
    private double _tokens = limit.Count;
    private long _refilledAt = time.GetTimestamp();

    public RateLimit Limit => limit;

    public bool TryTake()
    {
        lock (_gate)
        {
            long now = time.GetTimestamp();
            double perTick = limit.Count / (limit.Period.TotalSeconds * time.TimestampFrequency);
            _tokens = Math.Min(limit.Count, _tokens + ((now - _refilledAt) * perTick));
            _refilledAt = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
