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
                IReadOnlyList<IListener> listeners = ListenerBinder.Bind(options, _inherited);
                _bridges = [.. _bridges, CreateBridge(options, listeners, new BridgeCounters())];
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
    /// Applies a new, validated configuration (SPEC 7): unchanged bridges are
    /// left alone with their sockets and connections; a changed bridge takes
    /// over its predecessor's listening sockets when Listen is the same, and
    /// binds new ones first when it is not; removed and replaced bridges stop
    /// accepting and let their connections finish. Every new socket is bound
    /// before anything changes, so a socket that cannot be bound refuses the
    /// whole reload and the running bridges go on as they were.
    /// </summary>
    public async Task<ReloadResult> ApplyAsync(SocketBridgeOptions next, CancellationToken cancellationToken)
    {
        await _reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _bridges.ToDictionary(b => b.Options.Name, StringComparer.Ordinal);
            var unchanged = new List<Bridge>();
            var added = new List<(BridgeOptions Options, IReadOnlyList<IListener> Listeners, Bridge? From, Bridge? Predecessor)>();
            var taken = new HashSet<Bridge>();
            var bound = new List<IListener>();
            try
            {
                foreach (BridgeOptions options in next.Bridges)
                {
                    if (current.TryGetValue(options.Name, out Bridge? same) && same.Options.Fingerprint == options.Fingerprint)
                    {
                        unchanged.Add(same);
                        continue;
                    }

                    current.TryGetValue(options.Name, out Bridge? predecessor);
                    Bridge? owner = FindListenerOwner(options, predecessor, next, taken);
                    if (owner is not null)
                    {
                        taken.Add(owner);
                        added.Add((options, owner.Listeners, owner, predecessor));
                        continue;
                    }

                    IReadOnlyList<IListener> listeners = ListenerBinder.Bind(options, _inherited);
                    bound.AddRange(listeners);
                    added.Add((options, listeners, null, predecessor));
                }
            }
            catch (ListenException ex)
            {
                foreach (IListener listener in bound)
                {
                    listener.Dispose();
                }

                return ReloadResult.Refused([ex.Message]);
            }

            // From here on nothing can fail: swap.
            var keep = new HashSet<Bridge>(unchanged);
            var replacements = new List<Bridge>();
            var takeovers = new List<Task>();
            foreach ((BridgeOptions options, IReadOnlyList<IListener> listeners, Bridge? from, Bridge? predecessor) in added)
            {
                Dictionary<IListener, Task>? predecessors = null;
                if (from is not null)
                {
                    predecessors = [];
                    foreach (IListener listener in listeners)
                    {
                        predecessors[listener] = from.HandOver(listener);
                        takeovers.Add(predecessors[listener]);
                    }
                }

                BridgeCounters counters = predecessor is null ? new BridgeCounters() : new BridgeCounters(predecessor.Counters);
                Bridge bridge = CreateBridge(options, listeners, counters);
                replacements.Add(bridge);
                bridge.Start(predecessors);
            }

            int removed = 0;
            foreach (Bridge old in _bridges)
            {
                if (keep.Contains(old))
                {
                    continue;
                }

                if (!next.Bridges.Any(b => b.Name == old.Options.Name))
                {
                    removed++;
                }

                old.StopAcceptingForReload();
                Retire(old);
            }

            // Once the reload is reported, new connections meet the new
            // settings: the old accept loops end as soon as they are told to
            // (a handoff program or FIFO session still running keeps its
            // socket until it is done, and is not waited for).
            await Task.WhenAny(Task.WhenAll(takeovers), Task.Delay(TakeoverWait, CancellationToken.None)).ConfigureAwait(false);

            _bridges = next.Bridges.Select(o => unchanged.FirstOrDefault(b => b.Options.Name == o.Name) ?? replacements.First(b => b.Options.Name == o.Name)).ToArray();
            _options = next;
            int changed = added.Count(a => a.Predecessor is not null);
            LogWarnings(next);
            LogReloaded(_logger, _bridges.Length, added.Count - changed, changed, removed, unchanged.Count, string.Join(", ", next.Files));
            return ReloadResult.Applied(added.Count - changed, changed, removed, unchanged.Count);
        }
        finally
        {
            _reloading.Release();
        }
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

    /// <summary>
    /// A retiring bridge (same name first, then any other) already listening
    /// on exactly <paramref name="options"/>'s Listen, so its sockets move
    /// over instead of being bound twice.
    /// </summary>
    private Bridge? FindListenerOwner(BridgeOptions options, Bridge? predecessor, SocketBridgeOptions next, HashSet<Bridge> taken)
    {
        string key = ListenKey(options);
        if (predecessor is not null && !taken.Contains(predecessor) && ListenKey(predecessor.Options) == key)
        {
            return predecessor;
        }

        foreach (Bridge bridge in _bridges)
        {
            bool staysUnchanged = next.Bridges.Any(b => b.Name == bridge.Options.Name && b.Fingerprint == bridge.Options.Fingerprint);
            if (!staysUnchanged && !taken.Contains(bridge) && ListenKey(bridge.Options) == key)
            {
                return bridge;
            }
        }

        return null;
    }

    private static string ListenKey(BridgeOptions options) =>
        $"{options.Listen}|{string.Join(' ', options.ListenAddresses)}";

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

    private Bridge CreateBridge(BridgeOptions options, IReadOnlyList<IListener> listeners, BridgeCounters counters)
    {
        ILogger logger = new ErrorRecordingLogger(_loggerFactory.CreateLogger($"SocketBridge.Bridges.{options.Name}"), counters, _time);
        return new Bridge(options, listeners, CreateMode(options, logger), counters, _ids, logger);
    }

    private IBridgeMode CreateMode(BridgeOptions options, ILogger logger)
    {
        if (options.Mode == BridgeMode.Forward)
        {
            _relays.Start();
        }

        return (options.Mode, options.Listen) switch
        {
            (BridgeMode.Spawn, FifoEndpoint) => new FifoSpawnMode(options, _reaper, _devNull),
            (BridgeMode.Forward, FifoEndpoint) => new FifoForwardMode(
                options,
                options.Exec is null ? null : new OnDemandBackend(options, _reaper, _devNull, _relays, logger, _time),
                _relays,
                _time),
            _ => CreateSocketMode(options, logger),
        };
    }

    private IBridgeMode CreateSocketMode(BridgeOptions options, ILogger logger) => options.Mode switch
    {
        BridgeMode.Spawn => new AcceptLoop(new SpawnMode(options, _reaper, _devNull, logger), options, _descriptors, _time),
        BridgeMode.Handoff => new HandoffMode(options, _reaper, _devNull),
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
