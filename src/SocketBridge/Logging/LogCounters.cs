namespace SocketBridge.Logging;

/// <summary>
/// The counters of every log sink the daemon writes to. Made once when the
/// daemon starts and handed to whoever reports them (the control socket),
/// so <c>socketbridge status</c> can say how many entries were lost while a
/// log consumer stalled (SPEC 8).
/// </summary>
internal sealed class LogCounters
{
    private readonly Lock _gate = new();
    private LogSinkCounters[] _sinks = [];

    /// <summary>Counters for a new sink, listed from now on.</summary>
    public LogSinkCounters Add(string sink)
    {
        var counters = new LogSinkCounters(sink);
        lock (_gate)
        {
            _sinks = [.. _sinks, counters];
        }

        return counters;
    }

    /// <summary>Adds what the daemon's previous image counted (a re-exec) to the sinks of the same name.</summary>
    public void Resume(IEnumerable<SocketBridge.Handover.LogSinkHandover> carried)
    {
        LogSinkCounters[] sinks;
        lock (_gate)
        {
            sinks = _sinks;
        }

        foreach (SocketBridge.Handover.LogSinkHandover sink in carried)
        {
            sinks.FirstOrDefault(s => s.Sink == sink.Sink)?.Resume(sink.Written, sink.Dropped);
        }
    }

    public IReadOnlyList<LogSinkStatus> Status()
    {
        LogSinkCounters[] sinks;
        lock (_gate)
        {
            sinks = _sinks;
        }

        var status = new LogSinkStatus[sinks.Length];
        for (int i = 0; i < sinks.Length; i++)
        {
            status[i] = sinks[i].Status();
        }

        return status;
    }
}
