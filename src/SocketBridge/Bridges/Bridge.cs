using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Handover;

namespace SocketBridge.Bridges;

/// <summary>
/// A running bridge: the sockets of each of its endpoints, all run by the
/// bridge's <see cref="IBridgeMode"/>, its counters, and how it ends:
/// stopped with the daemon, or retired by a reload, which may hand the
/// sockets of an endpoint over to the bridge that replaces it.
/// </summary>
internal sealed class Bridge : IDisposable
{
    private readonly IReadOnlyList<BoundEndpoint> _endpoints;
    private readonly IReadOnlyList<IListener> _listeners;
    private readonly IBridgeMode _mode;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _accepting = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly BridgeContext _context;
    private readonly HashSet<IListener> _handedOver = [];
    private Task _loop = Task.CompletedTask;
    private int _released;

    public Bridge(BridgeOptions options, IReadOnlyList<BoundEndpoint> endpoints, IBridgeMode mode, BridgeCounters counters, ConnectionIdGenerator ids, ILogger logger, HandoverGate gate)
    {
        Options = options;
        _endpoints = endpoints;
        _listeners = [.. endpoints.SelectMany(e => e.Listeners)];
        _mode = mode;
        _logger = logger;
        Counters = counters;
        _context = new BridgeContext(options, Counters, ids, logger, gate, new LiveConnections(), _accepting.Token, _stop.Token, _kill.Token);
    }

    public BridgeOptions Options { get; }

    public BridgeCounters Counters { get; }

    /// <summary>The sockets of each endpoint, in Listen's order.</summary>
    public IReadOnlyList<BoundEndpoint> Endpoints => _endpoints;

    /// <summary>Every socket, endpoint after endpoint: the order a handoff program gets them in.</summary>
    public IReadOnlyList<IListener> Listeners => _listeners;

    /// <summary>
    /// Starts serving every listener. With sockets taken over from retired
    /// bridges, once those bridges' loops have ended (a handoff program or
    /// FIFO session still using them finishes first: one program at a time
    /// has a socket).
    /// </summary>
    public void Start(IReadOnlyCollection<Task>? predecessors = null)
    {
        foreach (IListener listener in _listeners)
        {
            BridgeLog.Listening(_logger, Options.Name, listener.Display, Options.Mode.ToString().ToLowerInvariant(), Options.MaxConnections);
            foreach (string note in (listener as BoundListener)?.TakeNotes() ?? [])
            {
                BridgeLog.SocketOptionNote(_logger, Options.Name, listener.Display, note);
            }
        }

        Task before = predecessors is { Count: > 0 } ? Task.WhenAll(predecessors) : Task.CompletedTask;
        _loop = Task.Run(async () =>
        {
            await before.ConfigureAwait(false);
            await _mode.RunAsync(_listeners, _context).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// What a re-exec carries over of this bridge: its counters, last error
    /// and what its mode was serving (the daemon held still).
    /// </summary>
    public BridgeHandover Capture(IReadOnlyDictionary<string, RelayHandover> relays, CarriedDescriptors carried, ref int left)
    {
        BridgeError? error = Counters.LastError;
        var into = new BridgeHandover
        {
            Name = Options.Name,
            Total = Counters.Total,
            Refused = Counters.Refused,
            Tally = Counters.Tally.Capture(),
            LastError = error?.Message,
            LastErrorTime = error?.Time,
            Connections = _context.Live.Capture(relays, carried, ref left),
        };
        return _mode.Capture(into, carried);
    }

    /// <summary>Takes over what the previous image's bridge of this name was serving; before <see cref="Start"/>.</summary>
    public void Resume(BridgeHandover from) => _mode.Resume(from, _listeners, _context);

    /// <summary>
    /// Gives the sockets of endpoint <paramref name="index"/> to the bridge
    /// that replaces this one: this bridge stops serving them without closing
    /// them. Returns them, and the loop to wait for before they are served again.
    /// </summary>
    public (BoundEndpoint Endpoint, Task Loop) HandOver(int index)
    {
        BoundEndpoint endpoint = _endpoints[index];
        foreach (IListener listener in endpoint.Listeners)
        {
            _handedOver.Add(listener);
        }

        return (endpoint, _loop);
    }

    /// <summary>
    /// Reload, first step: stops accepting at once; the listeners not handed
    /// over are closed and their socket files removed.
    /// </summary>
    public void StopAcceptingForReload()
    {
        StopAccepting();
        DisposeOwnListeners();
    }

    /// <summary>
    /// Reload, then: lets the open connections finish on their own, and
    /// releases what the mode holds (an on-demand backend).
    /// </summary>
    public async Task RetireAsync()
    {
        StopAccepting();
        await Counters.DrainAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
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

        await CompletesWithinAsync(_loop, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        StopAccepting();
        DisposeOwnListeners();
        _accepting.Dispose();
        _stop.Dispose();
        _kill.Dispose();
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout)
    {
        Task finished = await Task.WhenAny(task, Task.Delay(timeout)).ConfigureAwait(false);
        return finished == task;
    }

    /// <summary>Once, whether retiring or stopping got there first: the mode's resources, then the sockets.</summary>
    private async Task ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _mode.DisposeAsync().ConfigureAwait(false);
            DisposeOwnListeners();
        }
    }

    private void DisposeOwnListeners()
    {
        foreach (IListener listener in _listeners)
        {
            if (!_handedOver.Contains(listener))
            {
                listener.Dispose();
            }
        }
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
            if (!_handedOver.Contains(listener))
            {
                listener.Close();
                BridgeLog.StoppedListening(_logger, Options.Name, listener.Display);
            }
        }
    }
}
