using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Native;

namespace SocketBridge.Bridges;

/// <summary>
/// Forward mode on a <c>fifo:</c> Listen (SPEC 5, FIFO listeners): the first
/// bytes begin a session, which goes to one new Target connection until EOF
/// (every writer closed); then the daemon shuts the connection down for
/// writing, closes it, and waits for the next session. The read end is read
/// asynchronously (epoll), so waiting costs no thread and no CPU. A Target
/// that cannot be reached refuses the session: its bytes are read and
/// discarded, so writers never hang and the next session starts clean.
/// </summary>
public sealed class FifoForwardMode(BridgeOptions bridge, OnDemandBackend? backend, RelayEngine engine, TimeProvider time) : IBridgeMode
{
    private const int BufferSize = 64 * 1024;

    public ValueTask DisposeAsync() => backend?.DisposeAsync() ?? ValueTask.CompletedTask;

    public async Task RunAsync(IListener listener, BridgeContext context)
    {
        FifoListener fifo = listener as FifoListener ?? throw new ArgumentException($"{listener.Display} is not a FIFO", nameof(listener));
        // Held until the last session ends, so closing the listener at shutdown cannot pull the descriptor away mid-session.
        using PipeLease? lease = PipeLease.TryTakeReader(fifo.Reader);
        if (lease is null)
        {
            return;
        }

        byte[] first = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            Stream reader = lease.Stream;
            while (true)
            {
                int n;
                try
                {
                    n = await reader.ReadAsync(first, context.Accepting).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (IOException ex)
                {
                    BridgeLog.FifoFailed(context.Logger, bridge.Name, fifo.Display, ex.Message);
                    break;
                }

                if (n == 0)
                {
                    // Only possible if the daemon's own write end could not be reopened: stop rather than spin.
                    BridgeLog.FifoFailed(context.Logger, bridge.Name, fifo.Display, "end of file while the daemon holds the FIFO open for writing");
                    break;
                }

                if (!await RunSessionAsync(fifo, reader, first.AsMemory(0, n), context).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(first);
        }
    }

    /// <summary>One session, from its first bytes to EOF; false once the listener is closed.</summary>
    private async Task<bool> RunSessionAsync(FifoListener fifo, Stream reader, ReadOnlyMemory<byte> first, BridgeContext context)
    {
        string id = context.Ids.Next();
        long started = Stopwatch.GetTimestamp();
        fifo.BeginSession();
        bool admitted = context.Counters.TryAdmit(bridge.MaxConnections);
        try
        {
            if (!admitted)
            {
                long dropped = (await OneWayCopy.RunAsync(reader, Stream.Null, bridge.IdleTimeout, context.Kill, first).ConfigureAwait(false)).BytesIn;
                BridgeLog.FifoTargetUnreachable(context.Logger, bridge.Name, id, fifo.Display, $"nothing: MaxConnections ({bridge.MaxConnections}) reached", dropped);
                return true;
            }

            (Stream target, Socket? socket) = await OpenTargetAsync(context.Kill).ConfigureAwait(false);
            RelayResult result;
            await using (target.ConfigureAwait(false))
            {
                result = await OneWayCopy.RunAsync(reader, target, bridge.IdleTimeout, context.Kill, first).ConfigureAwait(false);
                if (result.Outcome == RelayOutcome.Completed && socket is not null)
                {
                    ShutdownSend(socket);
                }
            }

            socket?.Dispose();
            long duration = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            BridgeLog.Forwarded(context.Logger, bridge.Name, id, fifo.Display, bridge.Target!.ToString(), result.BytesIn, result.BytesOut, duration, Describe(result));
        }
        catch (TargetUnreachableException ex)
        {
            long dropped = (await OneWayCopy.RunAsync(reader, Stream.Null, bridge.IdleTimeout, context.Kill, first).ConfigureAwait(false)).BytesIn;
            BridgeLog.FifoTargetUnreachable(context.Logger, bridge.Name, id, fifo.Display, ex.Message, dropped);
        }
        catch (OperationCanceledException)
        {
            // Killed at shutdown while connecting.
        }
        finally
        {
            if (admitted)
            {
                backend?.Release();
                context.Counters.Release();
            }
        }

        return fifo.EndSession();
    }

    private async Task<(Stream Target, Socket? Socket)> OpenTargetAsync(CancellationToken kill)
    {
        if (bridge.Target is FifoEndpoint fifo)
        {
            return (await FifoTarget.OpenAsync(fifo, bridge.ConnectTimeout, time, kill).ConfigureAwait(false), null);
        }

        Socket socket = backend is null
            ? await TargetConnector.ConnectAsync(bridge.Target!, bridge.TargetAddresses, bridge.ConnectTimeout, engine, kill).ConfigureAwait(false)
            : await backend.ConnectAsync(kill).ConfigureAwait(false);
        // Connected by the relay engine without blocking; a NetworkStream wants a blocking socket.
        socket.Blocking = true;
        return (new NetworkStream(socket, ownsSocket: false), socket);
    }

    private static void ShutdownSend(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The target already went away; closing follows anyway.
        }
    }

    private string Describe(RelayResult result) => result.Outcome switch
    {
        RelayOutcome.Completed => "closed",
        RelayOutcome.IdleTimeout => $"closed after IdleTimeout ({bridge.IdleTimeout})",
        RelayOutcome.Reset => $"reset ({result.Error})",
        _ => "closed by shutdown",
    };
}
