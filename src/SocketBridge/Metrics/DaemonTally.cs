using SocketBridge.Handover;

namespace SocketBridge.Metrics;

/// <summary>The daemon's own counts (reloads and re-execs by outcome), carried across a re-exec.</summary>
internal sealed class DaemonTally
{
    private long _reloadsSucceeded;
    private long _reloadsFailed;
    private long _reexecsSucceeded;
    private long _reexecsFailed;

    public DaemonTally(DaemonTallyHandover? from = null)
    {
        if (from is not null)
        {
            _reloadsSucceeded = from.ReloadsSucceeded;
            _reloadsFailed = from.ReloadsFailed;
            _reexecsSucceeded = from.ReexecsSucceeded;
            _reexecsFailed = from.ReexecsFailed;
        }
    }

    public long ReloadsSucceeded => Interlocked.Read(ref _reloadsSucceeded);

    public long ReloadsFailed => Interlocked.Read(ref _reloadsFailed);

    public long ReexecsSucceeded => Interlocked.Read(ref _reexecsSucceeded);

    public long ReexecsFailed => Interlocked.Read(ref _reexecsFailed);

    public void CountReload(bool succeeded) => Interlocked.Increment(ref succeeded ? ref _reloadsSucceeded : ref _reloadsFailed);

    /// <summary>A re-exec: counted as a success by the new image once it serves, as a failure by the old one that goes on.</summary>
    public void CountReexec(bool succeeded) => Interlocked.Increment(ref succeeded ? ref _reexecsSucceeded : ref _reexecsFailed);

    public DaemonTallyHandover Capture() => new()
    {
        ReloadsSucceeded = ReloadsSucceeded,
        ReloadsFailed = ReloadsFailed,
        ReexecsSucceeded = ReexecsSucceeded,
        ReexecsFailed = ReexecsFailed,
    };
}
