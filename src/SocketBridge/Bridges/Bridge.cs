using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Bridges;

/// <summary>
/// A running bridge: its listening sockets, each run by the bridge's
/// <see cref="IBridgeMode"/>, its counters, and its shutdown.
/// </summary>
public sealed class Bridge : IDisposable
{
    private readonly IReadOnlyList<IListener> _listeners;
    private readonly IBridgeMode _mode;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _accepting = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly BridgeContext _context;
    private readonly List<Task> _loops = [];

    public Bridge(BridgeOptions options, IReadOnlyList<IListener> listeners, IBridgeMode mode, ConnectionIdGenerator ids, ILogger logger)
    {
        Options = options;
        _listeners = listeners;
        _mode = mode;
        _logger = logger;
        _context = new BridgeContext(options, Counters, ids, logger, _accepting.Token, _stop.Token, _kill.Token);
    }

    public BridgeOptions Options { get; }

    public BridgeCounters Counters { get; } = new();

    public IReadOnlyList<IListener> Listeners => _listeners;

    public void Start()
    {
        foreach (IListener listener in _listeners)
        {
            BridgeLog.Listening(_logger, Options.Name, listener.Display, Options.Mode.ToString().ToLowerInvariant(), Options.MaxConnections);
            _loops.Add(Task.Run(() => _mode.RunAsync(listener, _context)));
        }
    }

    /// <summary>
    /// Stops listening, asks the connections to end, ends them after
    /// <paramref name="timeout"/>, and removes the socket files the bridge created.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        StopAccepting();
        Task drained = Counters.DrainAsync();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (!await CompletesWithinAsync(drained, timeout).ConfigureAwait(false))
        {
            BridgeLog.ShutdownTimedOut(_logger, Options.Name, Counters.Active, timeout);
            await _kill.CancelAsync().ConfigureAwait(false);
            await CompletesWithinAsync(drained, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        await CompletesWithinAsync(Task.WhenAll(_loops), TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _mode.DisposeAsync().ConfigureAwait(false);
        foreach (IListener listener in _listeners)
        {
            listener.Dispose();
        }
    }

    public void Dispose()
    {
        StopAccepting();
        foreach (IListener listener in _listeners)
        {
            listener.Dispose();
        }

        _accepting.Dispose();
        _stop.Dispose();
        _kill.Dispose();
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout)
    {
        Task finished = await Task.WhenAny(task, Task.Delay(timeout)).ConfigureAwait(false);
        return finished == task;
    }

    private void StopAccepting()
    {
        if (_accepting.IsCancellationRequested)
        {
            return;
        }

        _accepting.Cancel();
        foreach (IListener listener in _listeners)
        {
            listener.Close();
            BridgeLog.StoppedListening(_logger, Options.Name, listener.Display);
        }
    }
}
