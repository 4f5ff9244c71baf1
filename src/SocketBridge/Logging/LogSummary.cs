namespace SocketBridge.Logging;

/// <summary>
/// Lets through one entry per period for a flood of alike events and counts
/// the rest, so the next entry can say how many were left out. When the
/// flood stops, no next entry comes: the count of the last period is then
/// handed to <c>flush</c> once that period is over, with the last event
/// left out, so every event is in some entry and the counts add up.
/// </summary>
internal sealed class LogSummary<TEvent> : IDisposable
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly long _period;
    private readonly Action<long, TEvent> _flush;
    private readonly ITimer _timer;
    private long _suppressed;
    private TEvent? _last;
    private long _nextAllowed = long.MinValue;
    private bool _armed;
    private bool _disposed;

    /// <param name="flush">Logs <c>count</c> events left out since the last entry, the last of them given.</param>
    public LogSummary(TimeProvider time, TimeSpan period, Action<long, TEvent> flush)
    {
        _time = time;
        _period = (long)(period.TotalSeconds * time.TimestampFrequency);
        _flush = flush;
        _timer = time.CreateTimer(static s => ((LogSummary<TEvent>)s!).OnPeriodOver(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True when <paramref name="event"/> should be logged; <paramref name="suppressed"/> is how many were not since the last entry.</summary>
    public bool TryLog(TEvent @event, out long suppressed)
    {
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            if (now >= _nextAllowed || _disposed)
            {
                suppressed = _suppressed;
                _suppressed = 0;
                _nextAllowed = now + _period;
                return true;
            }

            _suppressed++;
            _last = @event;
            suppressed = 0;
            if (!_armed && !_disposed)
            {
                _armed = true;
                _timer.Change(_time.GetElapsedTime(now, _nextAllowed), Timeout.InfiniteTimeSpan);
            }

            return false;
        }
    }

    /// <summary>
    /// Counts <paramref name="event"/> as left out, for the next entry or the
    /// flush to tell, and gives the period to an entry the caller logs about
    /// the same flood instead (one that names its cause), so no entry of the
    /// summary follows within the period. False once disposed: then the
    /// caller logs the event itself.
    /// </summary>
    public bool Defer(TEvent @event)
    {
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            if (now >= _nextAllowed)
            {
                _nextAllowed = now + _period;
            }

            _suppressed++;
            _last = @event;
            if (!_armed)
            {
                _armed = true;
                _timer.Change(_time.GetElapsedTime(now, _nextAllowed), Timeout.InfiniteTimeSpan);
            }

            return true;
        }
    }

    /// <summary>Logs what is still counted, and stops.</summary>
    public void Dispose()
    {
        long count;
        TEvent? last;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            count = Take(out last);
        }

        _timer.Dispose();
        if (count > 0)
        {
            _flush(count, last!);
        }
    }

    private void OnPeriodOver()
    {
        long count;
        TEvent? last;
        lock (_gate)
        {
            _armed = false;
            if (_disposed || _suppressed == 0)
            {
                return;
            }

            long now = _time.GetTimestamp();
            if (now < _nextAllowed)
            {
                // Early (a coarse timer): wait for the rest of the period.
                _armed = true;
                _timer.Change(_time.GetElapsedTime(now, _nextAllowed), Timeout.InfiniteTimeSpan);
                return;
            }

            count = Take(out last);
            _nextAllowed = now + _period;
        }

        _flush(count, last!);
    }

    private long Take(out TEvent? last)
    {
        long count = _suppressed;
        last = _last;
        _suppressed = 0;
        _last = default;
        return count;
    }
}
