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
    private readonly SocketBridgeOptions _options;
    private readonly ChildReaper _reaper;
    private readonly ServiceNotifier _notifier;
    private readonly InheritedSockets _inherited;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<BridgeHost> _logger;
    private readonly ConnectionIdGenerator _ids = new();
    private readonly SafeFileHandle _devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
    private readonly List<Bridge> _bridges = [];
    private readonly CancellationTokenSource _statusLoop = new();
    private Task _statusUpdates = Task.CompletedTask;

    public BridgeHost(SocketBridgeOptions options, ChildReaper reaper, ServiceNotifier notifier, InheritedSockets inherited, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _time = time;
        _options = options;
        _inherited = inherited;
        _reaper = reaper;
        _notifier = notifier;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<BridgeHost>();
    }

    public IReadOnlyList<Bridge> Bridges => _bridges;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (BridgeOptions options in _options.Bridges)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IReadOnlyList<IListener> listeners = ListenerBinder.Bind(options, _inherited);
                ILogger logger = _loggerFactory.CreateLogger($"SocketBridge.Bridges.{options.Name}");
                _bridges.Add(new Bridge(options, listeners, CreateMode(options, logger), _ids, logger));
            }
        }
        catch
        {
            foreach (Bridge bridge in _bridges)
            {
                bridge.Dispose();
            }

            _bridges.Clear();
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

        LogStarted(_logger, _bridges.Count, string.Join(", ", _options.Files));
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
        await Task.WhenAll(_bridges.Select(b => b.StopAsync(timeout))).ConfigureAwait(false);
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

    private IBridgeMode CreateMode(BridgeOptions options, ILogger logger) => (options.Mode, options.Listen) switch
    {
        (BridgeMode.Spawn, FifoEndpoint) => new FifoSpawnMode(options, _reaper, _devNull),
        (BridgeMode.Forward, FifoEndpoint) => new FifoForwardMode(
            options,
            options.Exec is null ? null : new OnDemandBackend(options, _reaper, _devNull, logger, _time),
            _time),
        _ => CreateSocketMode(options, logger),
    };

    private IBridgeMode CreateSocketMode(BridgeOptions options, ILogger logger) => options.Mode switch
    {
        BridgeMode.Spawn => new AcceptLoop(new SpawnMode(options, _reaper, _devNull, logger), options, _time),
        BridgeMode.Handoff => new HandoffMode(options, _reaper, _devNull),
        BridgeMode.Forward => new AcceptLoop(new ForwardMode(
            options,
            options.Exec is null ? null : new OnDemandBackend(options, _reaper, _devNull, logger, _time),
            logger,
            _time), options, _time),
        _ => throw new InvalidOperationException($"bridge {options.Name}: {options.Mode} mode is not available"),
    };

    private string Summary()
    {
        int active = 0;
        foreach (Bridge bridge in _bridges)
        {
            active += bridge.Counters.Active;
        }

        return $"{_bridges.Count} bridge(s) listening, {active} active connection(s)";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "socketbridge ready: {BridgeCount} bridge(s) from {Files}")]
    private static partial void LogStarted(ILogger logger, int bridgeCount, string files);

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
