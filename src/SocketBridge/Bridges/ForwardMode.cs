using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Forwarding;
using SocketBridge.Logging;

namespace SocketBridge.Bridges;

/// <summary>
/// systemd-socket-proxyd and socat's job (SPEC 5, forward): connect each
/// accepted connection to Target and relay both ways until both sides are
/// done. A Target that refuses or does not answer within ConnectTimeout:
/// the client is closed at once and the failure logged, summarised when
/// many come together.
/// </summary>
public sealed class ForwardMode(BridgeOptions bridge, OnDemandBackend? backend, ILogger logger, TimeProvider time) : IConnectionHandler, IAsyncDisposable
{
    private readonly LogSummary _failures = new(time, TimeSpan.FromSeconds(1));

    public ValueTask DisposeAsync() => backend?.DisposeAsync() ?? ValueTask.CompletedTask;

    public async Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill)
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

    private async Task ForwardAsync(Connection connection, CancellationToken kill)
    {
        using IDisposable? scope = logger.BeginScope(new ConnectionScope(bridge.Name, connection));
        Socket target;
        try
        {
            target = backend is null
                ? await TargetConnector.ConnectAsync(bridge, kill).ConfigureAwait(false)
                : await backend.ConnectAsync(kill).ConfigureAwait(false);
        }
        catch (TargetUnreachableException ex)
        {
            connection.Dispose();
            if (_failures.TryLog(out long suppressed))
            {
                if (suppressed == 0)
                {
                    BridgeLog.TargetUnreachable(logger, bridge.Name, connection.Id, connection.Peer.Display, ex.Message);
                }
                else
                {
                    BridgeLog.TargetUnreachableSummary(logger, bridge.Name, connection.Id, connection.Peer.Display, ex.Message, suppressed);
                }
            }

            return;
        }

        // A forwarded connection may finish during a graceful stop; only the kill deadline cuts it.
        using (target)
        {
            if (bridge.ProxyProtocol != ProxyProtocolVersion.None)
            {
                try
                {
                    await target.SendAsync(ProxyProtocolHeader.Build(bridge.ProxyProtocol, connection.Peer), SocketFlags.None, kill).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    BridgeLog.ConnectionFailed(logger, bridge.Name, connection.Id, $"sending the PROXY header to {bridge.Target}: {ex.Message}");
                    return;
                }
            }

            RelayResult result = await Relay.RunAsync(connection.Socket, target, bridge.IdleTimeout, kill).ConfigureAwait(false);
            string outcome = result.Outcome switch
            {
                RelayOutcome.Completed => "closed",
                RelayOutcome.IdleTimeout => $"closed after IdleTimeout ({bridge.IdleTimeout})",
                RelayOutcome.Reset => $"reset ({result.Error})",
                _ => "closed by shutdown",
            };
            BridgeLog.Forwarded(logger, bridge.Name, connection.Id, connection.Peer.Display, bridge.Target!.ToString(), result.BytesIn, result.BytesOut, connection.ElapsedMilliseconds, outcome);
        }
    }
}
