using System.Buffers;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace SocketBridge.Forwarding;

/// <summary>
/// The relay where there is no epoll (not Linux): .NET's asynchronous
/// sockets and a pooled buffer, with the same rules as
/// <see cref="SpliceRelay"/>: both directions until both are done, an EOF
/// passed on as a half-close, an error on one side resetting both. Waiting
/// is a zero-byte receive, so an idle connection holds no buffer. Never
/// run: the program builds on Linux only (README, launchd); kept, and fenced
/// off Linux by the attribute, as the start of a port.
/// </summary>
[UnsupportedOSPlatform("linux")]
internal sealed class BufferedRelay
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _client;
    private readonly Socket _target;
    private readonly TimeSpan? _idleTimeout;
    private readonly CancellationTokenSource _cancel;
    private readonly long[] _moved = new long[2]; // client to target, target to client
    private int _reset;
    private string? _error;

    private BufferedRelay(Socket client, Socket target, TimeSpan? idleTimeout, CancellationToken abort)
    {
        _client = client;
        _target = target;
        _idleTimeout = idleTimeout;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(abort);
        ArmIdleTimer();
    }

    public static async Task<RelayResult> RunAsync(Socket client, Socket target, TimeSpan? idleTimeout, CancellationToken abort)
    {
        var relay = new BufferedRelay(client, target, idleTimeout, abort);
        using (relay._cancel)
        {
            Task up = relay.PumpAsync(client, target, 0);
            Task down = relay.PumpAsync(target, client, 1);
            await up.ConfigureAwait(false);
            await down.ConfigureAwait(false);
            long bytesIn = relay._moved[0];
            long bytesOut = relay._moved[1];
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
    private async Task PumpAsync(Socket from, Socket to, int direction)
    {
        CancellationToken token = _cancel.Token;
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
                            return;
                        }

                        await SendAllAsync(to, buffer.AsMemory(0, n), token).ConfigureAwait(false);
                        _moved[direction] += n;
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
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            if (Interlocked.Exchange(ref _reset, 1) == 0)
            {
                _error = ex.Message;
            }

            // One side failed: reset both, so neither peer mistakes it for a clean end.
            Reset(_client);
            Reset(_target);
            _cancel.Cancel();
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
