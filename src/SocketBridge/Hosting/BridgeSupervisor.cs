using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Control;
using SocketBridge.Endpoints;
using SocketBridge.Handover;
using SocketBridge.Metrics;
using SocketBridge.Systemd;
using SocketBridge.Logging;

namespace SocketBridge.Hosting;

/// <summary>
/// The daemon's hosted service (SPEC 7): binds every bridge before the
/// daemon reports ready, applies what a reload's <see cref="ReloadPlan"/>
/// decided, and on SIGTERM stops them all through the
/// <see cref="ShutdownSequence"/>. It holds the configuration in force.
/// </summary>
internal sealed partial class BridgeSupervisor : IHostedService, IDisposable
{
    private static readonly TimeSpan TakeoverWait = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly InheritedSockets _inherited;
    private readonly CarriedOver _carried;
    private readonly DescriptorReserve _descriptors;
    private readonly BridgeFactory _factory;
    private readonly RetiringBridges _retiring;
    private readonly ShutdownSequence _shutdown;
    private readonly ListenerStore _store;
    private readonly ILogger<BridgeSupervisor> _logger;
    private readonly SocketBridgeMeter _meter;
    /// <summary>Replaced whole by a reload, as <see cref="_bridges"/> is.</summary>
    private volatile SocketBridgeOptions _options;
    /// <summary>Replaced whole by a reload, never changed in place, so status reads it without a lock.</summary>
    private volatile Bridge[] _bridges = [];

    public BridgeSupervisor(SocketBridgeOptions options, InheritedSockets inherited, CarriedOver carried, DescriptorReserve descriptors, BridgeFactory factory, RetiringBridges retiring, ShutdownSequence shutdown, ListenerStore store, SocketBridgeMeter meter, ILogger<BridgeSupervisor> logger)
    {
        _meter = meter;
        _store = store;
        _carried = carried;
        _options = options;
        _inherited = inherited;
        _descriptors = descriptors;
        _factory = factory;
        _retiring = retiring;
        _shutdown = shutdown;
        _logger = logger;
    }

    public IReadOnlyList<Bridge> Bridges => _bridges;

    /// <summary>Runs <paramref name="action"/> alone: no reload (and no other re-exec) meanwhile.</summary>
    public async Task<T> ExclusiveAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>
    /// The configuration in force (the last one loaded successfully): the
    /// one place ShutdownTimeout is read from, by the shutdown sequence and
    /// by the log's last flush alike.
    /// </summary>
    public SocketBridgeOptions Options => _options;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A SIGHUP that arrives while the bridges are being bound waits for them.
        _reloading.Wait(cancellationToken);
        try
        {
            return Start(cancellationToken);
        }
        finally
        {
            _reloading.Release();
        }
    }

    private Task Start(CancellationToken cancellationToken)
    {
        _store.ReleaseUnclaimed(_options.Bridges);
        int open;
        try
        {
            foreach (BridgeOptions options in _options.Bridges)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyList<BoundEndpoint> endpoints = ListenerBinder.Bind(options.Listen.Endpoints, options.ToListenSettings(), _inherited);
                _bridges = [.. _bridges, _factory.Create(options, endpoints, CountersFor(options))];
            }

            open = _descriptors.EnsureHeadroom();
        }
        catch
        {
            foreach (Bridge bridge in _bridges)
            {
                bridge.Dispose();
            }

            _bridges = [];
            throw;
        }

        foreach (Bridge bridge in _bridges)
        {
            // After a re-exec: what the previous image's bridge of this name was serving goes on.
            if (_carried.TakeBridge(bridge.Options.Name) is { } carried)
            {
                bridge.Resume(carried);
            }

            bridge.Start();
        }

        _store.Update(_bridges);
        foreach (string problem in _inherited.Problems)
        {
            LogInheritedProblem(_logger, problem);
        }

        // What a re-exec carried over for bridges that are gone: released first.
        foreach (string path in _inherited.ReleaseUntaken())
        {
            LogCarriedUnused(_logger, path);
        }

        foreach (InheritedSocket unused in _inherited.Unused)
        {
            LogInheritedUnused(_logger, unused.Name, unused.Display);
        }

        LogWarnings(_options);
        ulong hard = Native.Posix.HardLimit(Native.ResourceKind.OpenFiles);
        LogOpenFilesLimit(_logger, _descriptors.Limit, _descriptors.StartedWith, hard == Native.ResourceLimit.Infinity ? "unlimited" : hard.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _descriptors.ForwardedRoom(open), open, DescriptorReserve.DaemonReserve + DescriptorReserve.SharedReserve);
        LogStarted(_logger, _bridges.Length, string.Join(", ", _options.Files));
        return Task.CompletedTask;
    }

    /// <summary>New counters, or after a re-exec those of the previous image's bridge of this name.</summary>
    private BridgeCounters CountersFor(BridgeOptions options) =>
        _carried.State?.Bridges.FirstOrDefault(b => b.Name == options.Name) is { } carried
            ? new BridgeCounters(
                new BridgeTally(options.Name, ModeLabel(options), _meter, carried.Tally ?? new TallyHandover { Accepted = carried.Total }),
                carried.LastError is { } message ? new BridgeError(carried.LastErrorTime ?? DateTimeOffset.UtcNow, message) : null)
            : new BridgeCounters(new BridgeTally(options.Name, ModeLabel(options), _meter));

    /// <summary>
    /// The counters of a bridge a reload makes: in the same mode, its
    /// predecessor's tally goes on (shared: the predecessor's last
    /// connections still count, and no counter goes backwards); in another
    /// mode the bridge is a new series, which counts on top of the
    /// predecessor's tally (read live: what it still counts until the new
    /// bridge takes over, and its programs' exits, count there too).
    /// </summary>
    private BridgeCounters CountersAfterReload(BridgeOptions options, Bridge? predecessor) =>
        predecessor is null ? new BridgeCounters(new BridgeTally(options.Name, ModeLabel(options), _meter))
        : predecessor.Counters.Tally.Mode == ModeLabel(options) ? new BridgeCounters(predecessor.Counters.Tally, predecessor.Counters.LastError)
        : new BridgeCounters(new BridgeTally(options.Name, ModeLabel(options), _meter, predecessor.Counters.Tally), predecessor.Counters.LastError);

    private static string ModeLabel(BridgeOptions options) => options.Mode.ToString().ToLowerInvariant();

    public Task StopAsync(CancellationToken cancellationToken) =>
        _shutdown.RunAsync(_options.Daemon.ShutdownTimeout, LastBridgesAsync, cancellationToken);

    public void Dispose()
    {
        foreach (Bridge bridge in _bridges)
        {
            bridge.Dispose();
        }

        _reloading.Dispose();
    }

    /// <summary>
    /// Every bridge, running and retiring, once a reload under way is done;
    /// no reload applies after this (the lock is kept for good).
    /// </summary>
    private async Task<IReadOnlyList<Bridge>> LastBridgesAsync()
    {
        await _reloading.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        _store.KeepForNextStart(_bridges);
        return [.. _bridges, .. _retiring.Snapshot()];
    }

    /// <summary>
    /// Applies a new, validated configuration (SPEC 7) as <see cref="ReloadPlan"/>
    /// decides: unchanged bridges are left alone with their sockets and
    /// connections; a starting bridge takes over the sockets of every
    /// endpoint that was already listening (with the connections queued on
    /// them) and binds the others first; replaced and removed bridges stop
    /// accepting, close the endpoints nobody took over and let their
    /// connections finish. Every new socket is bound before anything
    /// changes, so a socket that cannot be bound refuses the whole reload and
    /// the running bridges go on as they were.
    /// </summary>
    public async Task<ReloadResult> ApplyAsync(SocketBridgeOptions next, CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _bridges.ToDictionary(b => b.Options.Name, StringComparer.Ordinal);
            ReloadPlan plan = ReloadPlan.Make([.. _bridges.Select(b => b.Options)], next.Bridges);
            if (plan.Conflicts.Count > 0)
            {
                return ReloadResult.Refused([.. plan.Conflicts]);
            }

            // The new sockets first: nothing has changed yet if one cannot be bound.
            var fresh = new Dictionary<PlannedEndpoint, BoundEndpoint>(ReferenceEqualityComparer.Instance);
            try
            {
                foreach (PlannedBridge planned in plan.Started)
                {
                    foreach (PlannedEndpoint endpoint in planned.Endpoints.Where(e => !e.IsKept))
                    {
                        fresh[endpoint] = ListenerBinder.Bind(endpoint.Endpoint, planned.Options.ToListenSettings(), _inherited);
                    }
                }
            }
            catch (ListenException ex)
            {
                foreach (BoundEndpoint endpoint in fresh.Values)
                {
                    endpoint.Dispose();
                }

                return ReloadResult.Refused([ex.Message]);
            }

            if (ReapplyOptions(plan, current) is { } refusal)
            {
                foreach (BoundEndpoint endpoint in fresh.Values)
                {
                    endpoint.Dispose();
                }

                return ReloadResult.Refused([refusal]);
            }

            // From here on nothing can fail: swap.
            var replacements = new Dictionary<string, Bridge>(StringComparer.Ordinal);
            var takeovers = new List<Task>();
            foreach (PlannedBridge planned in plan.Started)
            {
                var endpoints = new List<BoundEndpoint>();
                var predecessors = new HashSet<Task>();
                foreach (PlannedEndpoint endpoint in planned.Endpoints)
                {
                    if (endpoint.From is { } from)
                    {
                        (BoundEndpoint kept, Task loop) = current[from].HandOver(endpoint.FromIndex);
                        endpoints.Add(new BoundEndpoint(endpoint.Endpoint, kept.Listeners));
                        predecessors.Add(loop);
                    }
                    else
                    {
                        endpoints.Add(fresh[endpoint]);
                    }
                }

                BridgeCounters counters = CountersAfterReload(planned.Options, planned.Predecessor is { } name ? current[name] : null);
                Bridge bridge = _factory.Create(planned.Options, endpoints, counters);
                replacements[planned.Options.Name] = bridge;
                bridge.Start(predecessors);
                takeovers.AddRange(predecessors);
            }

            foreach (string name in plan.Retired)
            {
                _retiring.Retire(current[name]);
            }

            // Once the reload is reported, new connections meet the new
            // settings: the old accept loops end as soon as they are told to
            // (a handoff program or FIFO session still running keeps its
            // sockets until it is done, and is not waited for).
            await Task.WhenAny(Task.WhenAll(takeovers), Task.Delay(TakeoverWait, CancellationToken.None)).ConfigureAwait(false);

            _bridges = [.. next.Bridges.Select(o => replacements.TryGetValue(o.Name, out Bridge? started) ? started : current[o.Name])];
            _options = next;
            _store.Update(_bridges);
            LogWarnings(next);
            LogReloaded(_logger, _bridges.Length, plan.Added, plan.Changed, plan.Removed, plan.Unchanged.Count, string.Join(", ", next.Files));
            return ReloadResult.Applied(plan.Added, plan.Changed, plan.Removed, plan.Unchanged.Count);
        }
        finally
        {
            _reloading.Release();
        }
    }

    /// <summary>
    /// The socket options of the kept sockets that changed, set before
    /// anything else changes (SocketOptionsApplier.Reapply): those that can
    /// be set on a bound socket, for the connections queued from now on.
    /// When one cannot be set, those already set go back as they were and
    /// the reason is returned; null when all were.
    /// </summary>
    private static string? ReapplyOptions(ReloadPlan plan, Dictionary<string, Bridge> current)
    {
        var done = new List<(BoundListener Listener, SocketOptions Before, SocketOptions After, IReadOnlyList<string> Notes)>();
        foreach (PlannedBridge planned in plan.Started)
        {
            foreach (PlannedEndpoint endpoint in planned.Endpoints.Where(e => e.IsKept))
            {
                BoundEndpoint kept = current[endpoint.From!].Endpoints[endpoint.FromIndex];
                SocketOptions before = kept.Endpoint.Options, after = endpoint.Endpoint.Options;
                if (before == after)
                {
                    continue;
                }

                foreach (BoundListener listener in kept.Listeners.OfType<BoundListener>())
                {
                    try
                    {
                        done.Add((listener, before, after, SocketOptionsApplier.Reapply(listener.Socket, before, after)));
                    }
                    catch (SocketOptionException ex)
                    {
                        // This one may be half set: it goes back too.
                        done.Add((listener, before, after, []));
                        foreach ((BoundListener set, SocketOptions was, SocketOptions now, _) in Enumerable.Reverse(done))
                        {
                            try
                            {
                                SocketOptionsApplier.Reapply(set.Socket, now, was);
                            }
                            catch (SocketOptionException)
                            {
                                // As it was allowed before, it is now; nothing more to do if not.
                            }
                        }

                        return $"bridge {planned.Options.Name}: cannot change the socket options of {listener.Display}: {ex.Message}";
                    }
                }
            }
        }

        foreach ((BoundListener listener, _, _, IReadOnlyList<string> notes) in done)
        {
            listener.AddNotes(notes);
        }

        return null;
    }

    /// <summary>What check prints as warnings (an abstract socket open to everyone), once for each configuration put in force.</summary>
    private void LogWarnings(SocketBridgeOptions options)
    {
        foreach (ConfigurationWarning warning in options.Warnings)
        {
            // Bridges:NAME:Key: the entry carries the bridge's BRIDGE field as its other entries do.
            string[] key = warning.Key.Split(':');
            using IDisposable? scope = key is ["Bridges", var bridge, ..] ? _logger.BeginScope(new KeyValuePair<string, object>[] { new("Bridge", bridge) }) : null;
            BridgeLog.ConfigurationWarning(_logger, warning.File, warning.Key, warning.Message);
        }
    }

    [LoggerMessage(EventId = LogEventIds.Ready, Level = LogLevel.Information, Message = "socketbridge ready: {BridgeCount} bridge(s) from {Files}")]
    private static partial void LogStarted(ILogger logger, int bridgeCount, string files);

    /// <summary>What the daemon can hold: the soft limit it raised (systemd starts services at 1024), and what that leaves for connections.</summary>
    [LoggerMessage(EventId = LogEventIds.OpenFilesLimit, Level = LogLevel.Information, Message = "open-file limit {OpenFilesLimit} (started with {StartedWith}, hard limit {HardLimit}): room for about {ForwardedRoom} forwarded connections, two descriptors each, beside the {OpenFiles} open now and the last {DescriptorReserve} kept in reserve")]
    private static partial void LogOpenFilesLimit(ILogger logger, long openFilesLimit, long startedWith, string hardLimit, long forwardedRoom, int openFiles, int descriptorReserve);

    [LoggerMessage(EventId = LogEventIds.Reloaded, Level = LogLevel.Information, Message = "reloaded: {BridgeCount} bridge(s) from {Files}; {Added} added, {Changed} changed, {Removed} removed, {Unchanged} unchanged")]
    private static partial void LogReloaded(ILogger logger, int bridgeCount, int added, int changed, int removed, int unchanged, string files);

    [LoggerMessage(EventId = LogEventIds.InheritedSocketProblem, Level = LogLevel.Warning, Message = "socket activation: {Problem}; it is not used")]
    private static partial void LogInheritedProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = LogEventIds.CarriedFileUnused, Level = LogLevel.Warning, Message = "re-exec: {Path}, carried over from the previous image, is no bridge's Listen any more: closed and removed")]
    private static partial void LogCarriedUnused(ILogger logger, string path);

    [LoggerMessage(EventId = LogEventIds.InheritedSocketUnused, Level = LogLevel.Warning, Message = "socket activation: the socket passed as {Name} ({Address}) matches no bridge's Listen; it is not used")]
    private static partial void LogInheritedUnused(ILogger logger, string name, string address);
}
