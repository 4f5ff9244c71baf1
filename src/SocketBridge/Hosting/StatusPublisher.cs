using Microsoft.Extensions.Hosting;
using SocketBridge.Bridges;
using SocketBridge.Control;
using SocketBridge.Metrics;
using SocketBridge.Systemd;

namespace SocketBridge.Hosting;

/// <summary>
/// The daemon's status (SPEC 2, 7): a row per bridge for <c>socketbridge
/// status</c>, the retiring ones too, and the one-line summary the service
/// manager shows (sd_notify(3) STATUS=). Started once the bridges are bound,
/// it sends READY=1 with the summary and then keeps STATUS= current; stopping,
/// it ends that first and says STOPPING=1.
/// </summary>
internal sealed class StatusPublisher(BridgeSupervisor supervisor, RetiringBridges retiring, ServiceNotifier notifier) : IHostedService, IStatusSource, IDisposable
{
    private static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private Task _updates = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        string status = Summary();
        notifier.Ready(status);
        if (notifier.IsEnabled)
        {
            _updates = UpdateAsync(status, _stopping.Token);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _updates.ConfigureAwait(false);
        notifier.Stopping();
    }

    public void Dispose() => _stopping.Dispose();

    public DaemonStatus Status()
    {
        // One read of each: the summary and the rows describe the same bridges.
        IReadOnlyList<Bridge> running = supervisor.Bridges;
        IReadOnlyList<BridgeStatus> rows = Rows(running, retiring.Snapshot());
        return new DaemonStatus(Summary(running.Count, rows), supervisor.Options.Files, rows);
    }

    /// <summary>
    /// The bridges as the metrics see them, one per name, as status's rows:
    /// a running bridge with the connections its retiring predecessors still
    /// hold, then a retiring bridge whose name no longer runs.
    /// </summary>
    public IReadOnlyList<BridgeSample> Samples()
    {
        IReadOnlyList<Bridge> running = supervisor.Bridges;
        IReadOnlyList<Bridge> old = retiring.Snapshot();
        var samples = new List<BridgeSample>(running.Count);
        foreach (Bridge bridge in running)
        {
            int draining = 0;
            foreach (Bridge predecessor in old)
            {
                draining += predecessor.Options.Name == bridge.Options.Name ? predecessor.Counters.Active : 0;
            }

            samples.Add(new BridgeSample(bridge.Counters.Tally, bridge.Counters.Active + draining));
        }

        foreach (Bridge bridge in old)
        {
            if (!samples.Exists(s => s.Tally.Bridge == bridge.Options.Name))
            {
                samples.Add(new BridgeSample(bridge.Counters.Tally, bridge.Counters.Active));
            }
        }

        return samples;
    }

    /// <summary>The one-line STATUS= summary: bridges and active connections.</summary>
    public string Summary()
    {
        IReadOnlyList<Bridge> running = supervisor.Bridges;
        return Summary(running.Count, Rows(running, retiring.Snapshot()));
    }

    /// <summary>
    /// Every bridge, the retiring ones too, as <c>socketbridge status</c>
    /// shows them: a running bridge counts the connections still open on the
    /// bridges of its name it replaced; a retiring bridge whose name no
    /// longer runs is a row of its own, draining.
    /// </summary>
    internal static List<BridgeStatus> Rows(IReadOnlyList<Bridge> running, IReadOnlyList<Bridge> retiring)
    {
        var rows = new List<BridgeStatus>();
        foreach (Bridge bridge in running)
        {
            int draining = retiring.Where(r => r.Options.Name == bridge.Options.Name).Sum(r => r.Counters.Active);
            rows.Add(BridgeStatus.Of(bridge, "listening", draining));
        }

        foreach (Bridge old in retiring)
        {
            if (!rows.Any(r => r.Name == old.Options.Name))
            {
                rows.Add(BridgeStatus.Of(old, "draining", 0));
            }
        }

        return rows;
    }

    /// <summary><paramref name="bridges"/> running, and the connections of every row.</summary>
    internal static string Summary(int bridges, IReadOnlyList<BridgeStatus> rows)
    {
        int active = 0;
        foreach (BridgeStatus bridge in rows)
        {
            active += bridge.Active;
        }

        return $"{bridges} bridge(s) listening, {active} active connection(s)";
    }

    /// <summary>Keeps STATUS= current: at most once a second, and only when it changed.</summary>
    private async Task UpdateAsync(string sent, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(UpdateInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                string status = Summary();
                if (status != sent)
                {
                    notifier.Status(status);
                    sent = status;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
