using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Handover;
using SocketBridge.Logging;
using SocketBridge.Metrics;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// systemd-socket-proxyd and socat's job (SPEC 5, forward): connect each
/// accepted connection to Target and relay both ways until both sides are
/// done. A Target that refuses or does not answer within ConnectTimeout:
/// the client is closed at once and the failure logged, summarised when
/// many come together.
/// </summary>
internal sealed class ForwardMode(BridgeOptions bridge, ForwardOptions forward, OnDemandBackend? backend, RelayEngine engine, ILogger logger, TimeProvider time, HandoverGate gate, BridgeTally tally) : IConnectionHandler, IAsyncDisposable
{
    private readonly LogSummary<(string ConnectionId, string Peer, string Reason)> _failures = new(
        time,
        TimeSpan.FromSeconds(1),
        (count, last) => BridgeLog.TargetUnreachableFlush(logger, bridge.Name, count, last.ConnectionId, last.Peer, last.Reason));

    public ValueTask DisposeAsync()
    {
        _failures.Dispose();
        return backend?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    // Without an on-demand backend, no frame of its own: every awaiting
    // frame is kept as long as the connection, idle or not.
    public Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill) =>
        backend is null ? ForwardAsync(connection, kill) : ServeWithBackendAsync(connection, kill);

    private async Task ServeWithBackendAsync(Connection connection, CancellationToken kill)
    {
        try
        {
            await ForwardAsync(connection, kill).ConfigureAwait(false);
        }
        finally
        {
            backend?.Release();
        }
    }

    /// <summary>A relay carried over by a re-exec: its Target socket from the handover, its bytes in flight with it.</summary>
    public async Task ResumeAsync(ConnectionHandover handover, Connection? connection, LiveConnections live, CancellationToken stop, CancellationToken kill)
    {
        RelayHandover relay = handover.Relay ?? throw new InvalidOperationException($"connection {handover.Id} carried over with neither socket nor relay");
        ArgumentNullException.ThrowIfNull(connection);
        backend?.Adopt();
        try
        {
            using var target = new Socket(new SafeSocketHandle(relay.TargetFd, ownsHandle: true));
            connection.Phase = ConnectionPhase.Relaying;
            RelayResult result = await engine.RelayAsync(connection.Socket, target, forward.IdleTimeout, kill, connection.DescriptorCeiling, connection.Id, relay).ConfigureAwait(false);
            LogForwarded(connection, forward.Target.ToString()!, result);
        }
        finally
        {
            backend?.Release();
        }
    }

    public BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried) => backend is null ? into : into with { Backend = backend.Capture(carried), Pause = backend.CapturePause() };

    public void Resume(BridgeHandover from, ILogger bridgeLogger)
    {
        if (from.Pause is { } pause)
        {
            backend?.ResumePause(pause);
        }

        if (from.Backend is { } running)
        {
            backend?.Resume(running);
        }
    }

    private void LogForwarded(Connection connection, string target, RelayResult result)
    {
        tally.CountForwarded(result.BytesIn, result.BytesOut);
        if (logger.IsEnabled(LogLevel.Information))
        {
            BridgeLog.Forwarded(logger, bridge.Name, connection.Id, connection.Peer.Display, target, result.BytesIn, result.BytesOut, connection.ElapsedMilliseconds, Describe(result));
        }
    }

    /// <summary>
    /// Connects to Target and relays. The connection's fields (a logging
    /// scope) go with what is logged while it is set up and when it ends, not
    /// while it is relayed, when nothing is logged about it: held that long,
    /// a scope cost every idle connection about 400 bytes (the logger's
    /// context stack and an ExecutionContext of its own). The scope is opened
    /// in the methods called, whose ExecutionContext does not flow back here.
    /// </summary>
    private async Task ForwardAsync(Connection connection, CancellationToken kill)
    {
        if (forward.Target is FifoEndpoint fifo)
        {
            using (logger.BeginScope(new ConnectionScope(bridge.Name, connection)))
            {
                await ForwardToFifoAsync(connection, fifo, kill).ConfigureAwait(false);
            }

            return;
        }

        (Socket? target, Task<RelayResult>? relaying) = await StartRelayAsync(connection, kill).ConfigureAwait(false);
        if (target is null || relaying is null)
        {
            return;
        }

        // A forwarded connection may finish during a graceful stop; only the kill deadline cuts it.
        using (target)
        {
            RelayResult result = await relaying.ConfigureAwait(false);
            connection.Phase = ConnectionPhase.Ended;
            using (logger.BeginScope(new ConnectionScope(bridge.Name, connection)))
            {
                LogForwarded(connection, forward.Target.ToString()!, result);
            }
        }
    }

    /// <summary>Connects to Target and starts the relay; no socket when the connection ended here (refused, or the PROXY header failed).</summary>
    private async Task<(Socket? Target, Task<RelayResult>? Relaying)> StartRelayAsync(Connection connection, CancellationToken kill)
    {
        using IDisposable? scope = logger.BeginScope(new ConnectionScope(bridge.Name, connection));
        Socket target;
        try
        {
            target = backend is null
                ? await TargetConnector.ConnectAsync(forward.Target, forward.TargetAddresses, forward.ConnectTimeout, engine, kill).ConfigureAwait(false)
                : await backend.ConnectAsync(kill).ConfigureAwait(false);
        }
        catch (TargetUnreachableException ex)
        {
            Refuse(connection, ex.Message);
            return (null, null);
        }

        if (target.Handle >= connection.DescriptorCeiling)
        {
            target.Dispose();
            throw new DescriptorShortageException($"none was left for the connection to {forward.Target}");
        }

        try
        {
            if (forward.ProxyProtocol != ProxyProtocolVersion.None)
            {
                // A new connection's send buffer is empty: the header (at most a few
                // hundred bytes) goes in whole at once, without waiting. A native
                // send: .NET takes the Target's socket for a blocking one (StreamConnect).
                byte[] header = ProxyProtocolHeader.Build(forward.ProxyProtocol, connection.Peer);
                int sent = Posix.SendNow(target.SafeHandle, header);
                if (sent != header.Length)
                {
                    string reason = sent < 0 ? Errno.Message(-sent) : new SocketException((int)SocketError.NoBufferSpaceAvailable).Message;
                    BridgeLog.ConnectionFailed(logger, bridge.Name, connection.Id, $"sending the PROXY header to {forward.Target}: {reason}");
                    target.Dispose();
                    return (null, null);
                }
            }

            // The relay's start and the connection's new phase are one step for a re-exec.
            Task<RelayResult> relaying;
            gate.Enter();
            try
            {
                relaying = engine.RelayAsync(connection.Socket, target, forward.IdleTimeout, kill, connection.DescriptorCeiling, connection.Id);
                connection.Phase = ConnectionPhase.Relaying;
            }
            finally
            {
                gate.Exit();
            }

            return (target, relaying);
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    /// <summary>A FIFO Target is write-only: the client's bytes go in until its EOF; the client then gets EOF and close.</summary>
    private async Task ForwardToFifoAsync(Connection connection, FifoEndpoint fifo, CancellationToken kill)
    {
        Stream target;
        try
        {
            target = await FifoTarget.OpenAsync(fifo, forward.ConnectTimeout, time, kill).ConfigureAwait(false);
        }
        catch (TargetUnreachableException ex)
        {
            Refuse(connection, ex.Message);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // A copy under way cannot be carried over by a re-exec: it ends with this image.
        connection.Phase = ConnectionPhase.Bound;
        RelayResult result;
        await using (target.ConfigureAwait(false))
        await using (var client = new NetworkStream(connection.Socket, ownsSocket: false))
        {
            result = await OneWayCopy.RunAsync(client, target, forward.IdleTimeout, kill).ConfigureAwait(false);
        }

        tally.CountForwarded(result.BytesIn, result.BytesOut);
        if (logger.IsEnabled(LogLevel.Information))
        {
            BridgeLog.Forwarded(logger, bridge.Name, connection.Id, connection.Peer.Display, fifo.ToString(), result.BytesIn, result.BytesOut, connection.ElapsedMilliseconds, Describe(result));
        }
    }

    private void Refuse(Connection connection, string reason)
    {
        tally.CountConnectFailure();
        connection.Dispose();
        if (_failures.TryLog((connection.Id, connection.Peer.Display, reason), out long suppressed))
        {
            if (suppressed == 0)
            {
                BridgeLog.TargetUnreachable(logger, bridge.Name, connection.Id, connection.Peer.Display, reason);
            }
            else
            {
                BridgeLog.TargetUnreachableSummary(logger, bridge.Name, connection.Id, connection.Peer.Display, reason, suppressed);
            }
        }
    }

    private string Describe(RelayResult result) => result.Outcome switch
    {
        RelayOutcome.Completed => "closed",
        RelayOutcome.IdleTimeout => $"closed after IdleTimeout ({forward.IdleTimeout})",
        RelayOutcome.Reset => $"reset ({result.Error})",
        _ => "closed by shutdown",
    };
}
