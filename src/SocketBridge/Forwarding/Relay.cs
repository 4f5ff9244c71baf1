using System.Buffers;
using System.Net.Sockets;

namespace SocketBridge.Forwarding;

/// <summary>
/// Relays bytes both ways between two connected stream sockets until both
/// directions are done (SPEC 5, forward). An EOF from one side becomes a
/// half-close (shutdown for writing) of the other; an error on one side
/// resets the other. Waiting is a zero-byte receive, so an idle connection
/// holds no buffer; a busy one borrows a pooled buffer per direction.
/// </summary>
public sealed class Relay
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _client;
    private readonly Socket _target;
    private readonly TimeSpan? _idleTimeout;
    private readonly CancellationTokenSource _cancel;
    private int _reset;
    private string? _error;

    private Relay(Socket client, Socket target, TimeSpan? idleTimeout, CancellationToken abort)
    {
        _client = client;
        _target = target;
        _idleTimeout = idleTimeout;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(abort);
        ArmIdleTimer();
    }

    public static async Task<RelayResult> RunAsync(Socket client, Socket target, TimeSpan? idleTimeout, CancellationToken abort)
    {
        var relay = new Relay(client, target, idleTimeout, abort);
        using (relay._cancel)
        {
            Task<long> up = relay.PumpAsync(client, target);
            Task<long> down = relay.PumpAsync(target, client);
            long bytesIn = await up.ConfigureAwait(false);
            long bytesOut = await down.ConfigureAwait(false);
            RelayOutcome outcome = Volatile.Read(ref relay._reset) != 0 ? RelayOutcome.Reset
                : abort.IsCancellationRequested ? RelayOutcome.Aborted
                : relay._cancel.IsCancellationRequested ? RelayOutcome.IdleTimeout
                : RelayOutcome.Completed;
            return new RelayResult(bytesIn, bytesOut, outcome, relay._error);
        }
    }

    private void ArmIdleTimer()
    {
        if (_idleTimeout is { } idle)
        {
            _cancel.CancelAfter(idle);
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/> until EOF, an error, or cancellation.</summary>
    private async Task<long> PumpAsync(Socket from, Socket to)
    {
        CancellationToken token = _cancel.Token;
        long total = 0;
        try
        {
            while (true)
            {
                // Wait for data (or EOF) without holding a buffer.
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token).ConfigureAwait(false);
                byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int n;
                    do
                    {
                        n = await from.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            // EOF: pass it on as a half-close; the other direction goes on.
                            to.Shutdown(SocketShutdown.Send);
                            return total;
                        }

                        await SendAllAsync(to, buffer.AsMemory(0, n), token).ConfigureAwait(false);
                        total += n;
                        ArmIdleTimer();
                    }
                    while (n == buffer.Length);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Idle timeout, shutdown, or the other direction failed: close both.
            Close(_client);
            Close(_target);
            return total;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (Interlocked.Exchange(ref _reset, 1) == 0)
            {
                _error = ex.Message;
            }

            // One side failed: reset both, so neither peer mistakes it for a clean end.
            Reset(_client);
            Reset(_target);
            _cancel.Cancel();
            return total;
        }
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken token)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, token).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    private static void Close(Socket socket) => socket.Dispose();
}
