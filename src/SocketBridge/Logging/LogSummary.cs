namespace SocketBridge.Logging;

/// <summary>
/// Lets through one entry per period for a flood of alike events and counts
/// the rest, so the next entry can say how many were left out.
/// </summary>
public sealed class LogSummary(TimeProvider time, TimeSpan period)
{
    private readonly object _gate = new();
    private long _suppressed;
    private long _nextAllowed = long.MinValue;

    /// <summary>True when this event should be logged; <paramref name="suppressed"/> is how many were not since the last one.</summary>
    public bool TryLog(out long suppressed)
    {
        long now = time.GetTimestamp();
        lock (_gate)
        {
            if (now < _nextAllowed)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = _suppressed;
            _suppressed = 0;
            _nextAllowed = now + (long)(period.TotalSeconds * time.TimestampFrequency);
            return true;
        }
    }
}
