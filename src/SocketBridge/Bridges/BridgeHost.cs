using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Processes;
using SocketBridge.Systemd;

namespace SocketBridge.Bridges;

/// <summary>
/// The daemon's hosted service: binds every bridge before reporting ready,
/// and on SIGTERM stops them all (SPEC 7).
/// </summary>
public sealed partial class BridgeHost : IHostedService, IDisposable
{
    private static readonly TimeSpan TakeoverWait = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly List<Bridge> _retiring = [];
    private SocketBridgeOptions _options;
    private readonly ChildReaper _reaper;
    private readonly RelayEngine _relays;
    private readonly ServiceNotifier _notifier;
    private readonly InheritedSockets _inherited;
    private readonly DescriptorReserve _descriptors;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<BridgeHost> _logger;
    private readonly ConnectionIdGenerator _ids = new();
    private readonly SafeFileHandle _devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
    /// <summary>Replaced whole by a reload, never changed in place, so status reads it without a lock.</summary>
    private volatile Bridge[] _bridges = [];
    private readonly CancellationTokenSource _statusLoop = new();
    private Task _statusUpdates = Task.CompletedTask;

    public BridgeHost(SocketBridgeOptions options, ChildReaper reaper, RelayEngine relays, ServiceNotifier notifier, InheritedSockets inherited, DescriptorReserve descriptors, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _descriptors = descriptors;
        _relays = relays;
        _time = time;
        _options = options;
        _inherited = inherited;
        _reaper = reaper;
        _notifier = notifier;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<BridgeHost>();
    }

    public IReadOnlyList<Bridge> Bridges => _bridges;

    /// <summary>The configuration in force (the last one loaded successfully).</summary>
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
        try
        {
            foreach (BridgeOptions options in _options.Bridges)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyList<BoundEndpoint> endpoints = ListenerBinder.Bind(options, _inherited);
                _bridges = [.. _bridges, CreateBridge(options, endpoints, new BridgeCounters())];
            }

            _descriptors.EnsureHeadroom();
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
            bridge.Start();
        }

        foreach (string problem in _inherited.Problems)
        {
            LogInheritedProblem(_logger, problem);
        }

        foreach (InheritedSocket unused in _inherited.Unused)
        {
            LogInheritedUnused(_logger, unused.Name, unused.Display);
        }

        LogWarnings(_options);
        LogStarted(_logger, _bridges.Length, string.Join(", ", _options.Files));
        string status = Summary();
        _notifier.Ready(status);
        if (_notifier.IsEnabled)
        {
            _statusUpdates = UpdateStatusAsync(status, _statusLoop.Token);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _statusLoop.CancelAsync().ConfigureAwait(false);
        await _statusUpdates.ConfigureAwait(false);
        _notifier.Stopping();
        TimeSpan timeout = _options.Daemon.ShutdownTimeout;
        LogStopping(_logger, timeout);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();

        // Processes that programs left behind in their process groups end with them.
        _reaper.SignalLingering(Native.Posix.SIGTERM);
        await _reloading.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        Bridge[] retiring;
        lock (_retiring)
        {
            retiring = [.. _retiring];
        }

        await Task.WhenAll(_bridges.Concat(retiring).Select(b => b.StopAsync(timeout))).ConfigureAwait(false);
        while (_reaper.SignalLingering(0) > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None).ConfigureAwait(false);
        }

        int left = _reaper.SignalLingering(Native.Posix.SIGKILL);
        if (left > 0)
        {
            LogKilledLingering(_logger, left, timeout);
        }

        LogStopped(_logger);
    }

    public void Dispose()
    {
        foreach (Bridge bridge in _bridges)
        {
            bridge.Dispose();
        }

        _devNull.Dispose();
        _statusLoop.Dispose();
        _reloading.Dispose();
    }

    /// <summary>Keeps STATUS= current: at most once a second, and only when it changed.</summary>
    private async Task UpdateStatusAsync(string sent, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                string status = Summary();
                if (status != sent)
                {
                    _notifier.Status(status);
                    sent = status;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
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
                        fresh[endpoint] = ListenerBinder.Bind(planned.Options, endpoint.Endpoint, _inherited);
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

                BridgeCounters counters = planned.Predecessor is { } name ? new BridgeCounters(current[name].Counters) : new BridgeCounters();
                Bridge bridge = CreateBridge(planned.Options, endpoints, counters);
                replacements[planned.Options.Name] = bridge;
                bridge.Start(predecessors);
                takeovers.AddRange(predecessors);
            }

            foreach (string name in plan.Retired)
            {
                Bridge old = current[name];
                old.StopAcceptingForReload();
                Retire(old);
            }

            // Once the reload is reported, new connections meet the new
            // settings: the old accept loops end as soon as they are told to
            // (a handoff program or FIFO session still running keeps its
            // sockets until it is done, and is not waited for).
            await Task.WhenAny(Task.WhenAll(takeovers), Task.Delay(TakeoverWait, CancellationToken.None)).ConfigureAwait(false);

            _bridges = [.. next.Bridges.Select(o => replacements.TryGetValue(o.Name, out Bridge? started) ? started : current[o.Name])];
            _options = next;
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

    /// <summary>Every bridge, the retiring ones too, as <c>socketbridge status</c> shows them.</summary>
    public IReadOnlyList<BridgeStatus> Status()
    {
        Bridge[] retiring;
        lock (_retiring)
        {
            retiring = [.. _retiring];
        }

        var rows = new List<BridgeStatus>();
        foreach (Bridge bridge in _bridges)
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

    /// <summary>Stops a replaced or removed bridge accepting, and forgets it once its connections are done.</summary>
    private void Retire(Bridge bridge)
    {
        lock (_retiring)
        {
            _retiring.Add(bridge);
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await bridge.RetireAsync().ConfigureAwait(false);
            }
            finally
            {
                lock (_retiring)
                {
                    _retiring.Remove(bridge);
                }
            }
        });
    }

    private Bridge CreateBridge(BridgeOptions options, IReadOnlyList<BoundEndpoint> endpoints, BridgeCounters counters)
    {
        ILogger logger = new ErrorRecordingLogger(_loggerFactory.CreateLogger($"SocketBridge.Bridges.{options.Name}"), counters, _time);
        return new Bridge(options, endpoints, CreateMode(options, logger), counters, _ids, logger);
    }

    private IBridgeMode CreateMode(BridgeOptions options, ILogger logger)
    {
        if (options.Mode == BridgeMode.Forward)
        {
            _relays.Start();
        }

        // A fifo: endpoint is its bridge's only one (checked at load).
        return (options.Mode, options.Listen[0].Endpoint) switch
        {
            (BridgeMode.Spawn, FifoEndpoint) => new FifoMode(new FifoSpawnHandler(options, _reaper, _devNull), _relays),
            (BridgeMode.Forward, FifoEndpoint) => new FifoMode(new FifoForwardHandler(
                options,
                options.Exec is null ? null : new OnDemandBackend(options, _reaper, _devNull, _relays, logger, _time),
                _relays,
                _time), _relays),
            _ => CreateSocketMode(options, logger),
        };
    }

    private IBridgeMode CreateSocketMode(BridgeOptions options, ILogger logger) => options.Mode switch
    {
        BridgeMode.Spawn => new AcceptLoop(new SpawnMode(options, _reaper, _devNull, logger), options, _descriptors, _time),
        BridgeMode.Handoff => new HandoffMode(options, _reaper, _devNull, _relays),
        BridgeMode.Forward => new AcceptLoop(new ForwardMode(
            options,
            options.Exec is null ? null : new OnDemandBackend(options, _reaper, _devNull, _relays, logger, _time),
            _relays,
            logger,
            _time), options, _descriptors, _time),
        _ => throw new InvalidOperationException($"bridge {options.Name}: {options.Mode} mode is not available"),
    };

    /// <summary>The one-line STATUS= summary: bridges and active connections.</summary>
    public string Summary()
    {
        int active = 0;
        foreach (BridgeStatus bridge in Status())
        {
            active += bridge.Active;
        }

        return $"{_bridges.Length} bridge(s) listening, {active} active connection(s)";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "socketbridge ready: {BridgeCount} bridge(s) from {Files}")]
    private static partial void LogStarted(ILogger logger, int bridgeCount, string files);

    [LoggerMessage(Level = LogLevel.Information, Message = "reloaded: {BridgeCount} bridge(s) from {Files}; {Added} added, {Changed} changed, {Removed} removed, {Unchanged} unchanged")]
    private static partial void LogReloaded(ILogger logger, int bridgeCount, int added, int changed, int removed, int unchanged, string files);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: ending connections within {ShutdownTimeout}")]
    private static partial void LogStopping(ILogger logger, TimeSpan shutdownTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "socket activation: {Problem}; it is not used")]
    private static partial void LogInheritedProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "socket activation: the socket passed as {Name} ({Address}) matches no bridge's Listen; it is not used")]
    private static partial void LogInheritedUnused(ILogger logger, string name, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "killed {Groups} process group(s) left behind by programs, still running after {ShutdownTimeout}")]
    private static partial void LogKilledLingering(ILogger logger, int groups, TimeSpan shutdownTimeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped")]
    private static partial void LogStopped(ILogger logger);
}
