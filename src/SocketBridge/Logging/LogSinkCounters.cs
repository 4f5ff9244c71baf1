namespace SocketBridge.Logging;

/// <summary>
/// What one log sink (the journal, the console) has done since the daemon
/// started: entries written, and entries dropped because it could not keep
/// up. Updated by the logging threads, read by <c>socketbridge status</c>.
/// </summary>
internal sealed class LogSinkCounters(string sink)
{
    private long _written;
    private long _dropped;

    /// <summary>"journal" or "console".</summary>
    public string Sink { get; } = sink;

    public long Written => Volatile.Read(ref _written);

    public long Dropped => Volatile.Read(ref _dropped);

    public void CountWritten() => Interlocked.Increment(ref _written);

    /// <summary>Goes on from what the daemon's previous image counted (a re-exec).</summary>
    public void Resume(long written, long dropped)
    {
        Interlocked.Add(ref _written, written);
        Interlocked.Add(ref _dropped, dropped);
    }

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    public LogSinkStatus Status() => new(Sink, Written, Dropped);
}
