using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Bridges;

/// <summary>
/// A running bridge: its listening sockets, an accept loop for each, the
/// connection limit, and the connections in flight. What happens to a
/// connection is the <see cref="IBridgeMode"/>'s business.
/// </summary>
public sealed class Bridge : IDisposable
{
    private readonly IReadOnlyList<BoundListener> _listeners;
    private readonly IBridgeMode _mode;
    private readonly ConnectionIdGenerator _ids;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _accepting = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _acceptLoops = [];
    private volatile bool _draining;

    public Bridge(BridgeOptions options, IReadOnlyList<BoundListener> listeners, IBridgeMode mode, ConnectionIdGenerator ids, ILogger logger)
    {
        Options = options;
        _listeners = listeners;
        _mode = mode;
        _ids = ids;
        _logger = logger;
    }

    public BridgeOptions Options { get; }

    public BridgeCounters Counters { get; } = new();

    public IReadOnlyList<BoundListener> Listeners => _listeners;

    public void Start()
    {
        foreach (BoundListener listener in _listeners)
        {
            BridgeLog.Listening(_logger, Options.Name, listener.Display, Options.Mode.ToString().ToLowerInvariant(), Options.MaxConnections);
            _acceptLoops.Add(AcceptLoopAsync(listener));
        }
    }

    /// <summary>
    /// Stops accepting, asks the connections to end, ends them after
    /// <paramref name="timeout"/>, and removes the socket files the bridge created.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        StopAccepting();
        _draining = true;
        if (Counters.Active == 0)
        {
            _drained.TrySetResult();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (!await WaitDrainedAsync(timeout).ConfigureAwait(false))
        {
            BridgeLog.ShutdownTimedOut(_logger, Options.Name, Counters.Active, timeout);
            await _kill.CancelAsync().ConfigureAwait(false);
            await WaitDrainedAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        foreach (BoundListener listener in _listeners)
        {
            listener.Dispose();
        }
    }

    public void Dispose()
    {
        StopAccepting();
        foreach (BoundListener listener in _listeners)
        {
            listener.Dispose();
        }

        _accepting.Dispose();
        _stop.Dispose();
        _kill.Dispose();
    }

    private void StopAccepting()
    {
        if (_accepting.IsCancellationRequested)
        {
            return;
        }

        _accepting.Cancel();
        foreach (BoundListener listener in _listeners)
        {
            listener.Close();
            BridgeLog.StoppedListening(_logger, Options.Name, listener.Display);
        }
    }

    private async Task<bool> WaitDrainedAsync(TimeSpan timeout)
    {
        Task finished = await Task.WhenAny(_drained.Task, Task.Delay(timeout)).ConfigureAwait(false);
        return finished == _drained.Task;
    }

    private async Task AcceptLoopAsync(BoundListener listener)
    {
        CancellationToken token = _accepting.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.Socket.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                if (token.IsCancellationRequested)
                {
                    break;
                }

                // Out of descriptors or memory: say so, pause briefly, and keep serving.
                BridgeLog.AcceptFailed(_logger, Options.Name, listener.Display, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            Admit(socket, listener);
        }
    }

    private void Admit(Socket socket, BoundListener listener)
    {
        if (!Counters.TryAdmit(Options.MaxConnections))
        {
            PeerInfo refused = PeerInfo.Of(socket);
            socket.Dispose();
            BridgeLog.Refused(_logger, Options.Name, refused.Display, $"MaxConnections ({Options.MaxConnections}) reached");
            return;
        }

        try
        {
            if (socket.ProtocolType == ProtocolType.Tcp)
            {
                socket.NoDelay = Options.NoDelay;
                if (Options.KeepAlive)
                {
                    socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                }
            }

            var connection = new Connection(socket, _ids.Next(), PeerInfo.Of(socket), listener);
            _ = Task.Run(() => ServeAsync(connection));
        }
        catch (SocketException)
        {
            // The client went away between accept and now.
            socket.Dispose();
            Finish();
        }
    }

    private async Task ServeAsync(Connection connection)
    {
        try
        {
            await _mode.ServeAsync(connection, _stop.Token, _kill.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            BridgeLog.ConnectionFailed(_logger, Options.Name, connection.Id, ex.Message);
        }
        finally
        {
            connection.Dispose();
            Finish();
        }
    }

    private void Finish()
    {
        if (Counters.Release() == 0 && _draining)
        {
            _drained.TrySetResult();
        }
    }
}
