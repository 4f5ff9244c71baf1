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
/// writing, closes it, and waits for the next session. A Target that cannot
/// be reached refuses the session: its bytes are read and discarded, so
/// writers never hang and the next session starts clean.
/// </summary>
internal sealed class FifoForwardHandler(BridgeOptions bridge, ForwardOptions forward, OnDemandBackend? backend, RelayEngine engine, TimeProvider time) : IFifoSessionHandler
{
    private const int BufferSize = 64 * 1024;

    private string Name => bridge.Name;

    public ValueTask DisposeAsync() => backend?.DisposeAsync() ?? ValueTask.CompletedTask;

    public IFifoSessions? Open(FifoListener fifo, BridgeContext context)
    {
        // Held until the last session ends, so closing the listener at shutdown cannot pull the descriptor away mid-session.
        PipeLease? lease = PipeLease.TryTakeReader(fifo.Reader);
        return lease is null ? null : new Sessions(this, fifo, context, lease);
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
                long dropped = (await OneWayCopy.RunAsync(reader, Stream.Null, forward.IdleTimeout, context.Kill, first).ConfigureAwait(false)).BytesIn;
                BridgeLog.FifoTargetUnreachable(context.Logger, bridge.Name, id, fifo.Display, $"nothing: MaxConnections ({bridge.MaxConnections}) reached", dropped);
                return true;
            }

            (Stream target, Socket? socket) = await OpenTargetAsync(context.Kill).ConfigureAwait(false);
            RelayResult result;
            await using (target.ConfigureAwait(false))
            {
                result = await OneWayCopy.RunAsync(reader, target, forward.IdleTimeout, context.Kill, first).ConfigureAwait(false);
                if (result.Outcome == RelayOutcome.Completed && socket is not null)
                {
                    ShutdownSend(socket);
                }
            }

            socket?.Dispose();
            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            long duration = (long)elapsed.TotalMilliseconds;
            context.Counters.Tally.CountForwarded(result.BytesIn, result.BytesOut);
            context.Counters.Tally.RecordDuration(elapsed);
            if (context.Logger.IsEnabled(LogLevel.Information))
            {
                BridgeLog.Forwarded(context.Logger, bridge.Name, id, fifo.Display, forward.Target.ToString(), result.BytesIn, result.BytesOut, duration, Describe(result));
            }
        }
        catch (TargetUnreachableException ex)
        {
            context.Counters.Tally.CountConnectFailure();
            long dropped = (await OneWayCopy.RunAsync(reader, Stream.Null, forward.IdleTimeout, context.Kill, first).ConfigureAwait(false)).BytesIn;
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
        if (forward.Target is FifoEndpoint fifo)
        {
            return (await FifoTarget.OpenAsync(fifo, forward.ConnectTimeout, time, kill).ConfigureAwait(false), null);
        }

        Socket socket = backend is null
            ? await TargetConnector.ConnectAsync(forward.Target, forward.TargetAddresses, forward.ConnectTimeout, engine, kill).ConfigureAwait(false)
            : await backend.ConnectAsync(kill).ConfigureAwait(false);
        // Connected by the relay engine, non-blocking underneath, which .NET
        // is not told of (StreamConnect): told now, it emulates the blocking
        // calls a NetworkStream wants on it.
        socket.Blocking = false;
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
        RelayOutcome.IdleTimeout => $"closed after IdleTimeout ({forward.IdleTimeout})",
        RelayOutcome.Reset => $"reset ({result.Error})",
        _ => "closed by shutdown",
    };

    /// <summary>
    /// The sessions of one FIFO: its read end, held (see <see cref="Open"/>)
    /// and read asynchronously (epoll), and the buffer of a session's first bytes.
    /// </summary>
    private sealed class Sessions : IFifoSessions
    {
        private readonly FifoForwardHandler _handler;
        private readonly FifoListener _fifo;
        private readonly BridgeContext _context;
        private readonly PipeLease _lease;
        private readonly Stream _reader;
        private readonly byte[] _first = ArrayPool<byte>.Shared.Rent(BufferSize);

        public Sessions(FifoForwardHandler handler, FifoListener fifo, BridgeContext context, PipeLease lease)
        {
            _handler = handler;
            _fifo = fifo;
            _context = context;
            _lease = lease;
            _reader = lease.Stream;
        }

        public async Task<bool> RunAsync()
        {
            int n;
            try
            {
                n = await _reader.ReadAsync(_first, _context.Accepting).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            catch (IOException ex)
            {
                BridgeLog.FifoFailed(_context.Logger, _handler.Name, _fifo.Display, ex.Message);
                return false;
            }

            if (n == 0)
            {
                // Only possible if the daemon's own write end could not be reopened: stop rather than spin.
                BridgeLog.FifoFailed(_context.Logger, _handler.Name, _fifo.Display, "end of file while the daemon holds the FIFO open for writing");
                return false;
            }

            return await _handler.RunSessionAsync(_fifo, _reader, _first.AsMemory(0, n), _context).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _lease.Dispose();
            ArrayPool<byte>.Shared.Return(_first);
        }
    }
}
