using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
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
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<BridgeHost> _logger;
    private readonly ConnectionIdGenerator _ids = new();
    private readonly SafeFileHandle _devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
    private readonly List<Bridge> _bridges = [];

    public BridgeHost(SocketBridgeOptions options, ChildReaper reaper, ServiceNotifier notifier, ILoggerFactory loggerFactory)
    {
        _options = options;
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
                IReadOnlyList<BoundListener> listeners = ListenerBinder.Bind(options);
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

        LogStarted(_logger, _bridges.Count, string.Join(", ", _options.Files));
        _notifier.Ready(Summary());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _notifier.Stopping();
        LogStopping(_logger, _options.Daemon.ShutdownTimeout);
        await Task.WhenAll(_bridges.Select(b => b.StopAsync(_options.Daemon.ShutdownTimeout))).ConfigureAwait(false);
        LogStopped(_logger);
    }

    public void Dispose()
    {
        foreach (Bridge bridge in _bridges)
        {
            bridge.Dispose();
        }

        _devNull.Dispose();
    }

    private IBridgeMode CreateMode(BridgeOptions options, ILogger logger) => options.Mode switch
    {
        BridgeMode.Spawn => new SpawnMode(options, _reaper, _devNull, logger),
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

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped")]
    private static partial void LogStopped(ILogger logger);
}
