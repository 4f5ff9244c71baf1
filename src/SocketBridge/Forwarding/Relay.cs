using System.Buffers;
using System.Net.Sockets;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// Relays bytes both ways between two connected stream sockets until both
/// directions are done (SPEC 5, forward). An EOF from one side becomes a
/// half-close (shutdown for writing) of the other; an error on one side
/// resets the other. Waiting is a zero-byte receive, so an idle connection
/// holds no buffer. On Linux the bytes move socket to pipe to socket with
/// splice(2) and never enter the daemon's memory; when the receiving socket
/// is full, what the pipe holds goes through a pooled buffer and an
/// awaited send. Elsewhere, or if splice is refused, a pooled buffer is used
/// throughout.
/// </summary>
public sealed class Relay
{
    private const int BufferSize = 64 * 1024;

    private readonly Socket _client;
    private readonly Socket _target;
    private readonly TimeSpan? _idleTimeout;
    private readonly CancellationTokenSource _cancel;
    private readonly long[] _moved = new long[2]; // client to target, target to client
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
            if (OperatingSystem.IsLinux() && await SplicePumpAsync(from, to, direction, token).ConfigureAwait(false))
            {
                return;
            }

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

    /// <summary>
    /// The splice(2) pump: true at EOF, false when the kernel refuses to
    /// splice these sockets before any byte moved, so the caller goes on with buffers.
    /// </summary>
    private async Task<bool> SplicePumpAsync(Socket from, Socket to, int direction, CancellationToken token)
    {
        KernelPipe? pipe = null;
        try
        {
            while (true)
            {
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, token).ConfigureAwait(false);
                pipe ??= new KernelPipe(); // only once there is something to move
                while (true)
                {
                    int filled = Splice(from, to, pipe, fill: true, pipe.Capacity);
                    if (filled == KernelPipe.WouldBlock)
                    {
                        break; // drained: wait again
                    }

                    if (filled == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return true;
                    }

                    if (filled < 0)
                    {
                        if (_moved[direction] == 0 && filled is -22 or -38)
                        {
                            return false; // EINVAL, ENOSYS: not spliceable
                        }

                        throw new NativeCallException("splice", "from the sending socket", -filled);
                    }

                    int moved = 0;
                    while (moved < filled)
                    {
                        int drained = Splice(from, to, pipe, fill: false, filled - moved);
                        if (drained > 0)
                        {
                            moved += drained;
                        }
                        else if (drained == KernelPipe.WouldBlock)
                        {
                            // The receiver is full: take what the pipe holds and let SendAsync wait.
                            moved += await SendFromPipeAsync(pipe, to, filled - moved, token).ConfigureAwait(false);
                        }
                        else
                        {
                            throw new NativeCallException("splice", "to the receiving socket", -drained);
                        }
                    }

                    _moved[direction] += filled;
                    ArmIdleTimer();
                }
            }
        }
        finally
        {
            pipe?.Dispose();
        }
    }

    private static int Splice(Socket from, Socket to, KernelPipe pipe, bool fill, int count)
    {
        SafeSocketHandle handle = fill ? from.SafeHandle : to.SafeHandle;
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            return fill ? pipe.FillFrom(fd, count) : pipe.DrainTo(fd, count);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static async Task<int> SendFromPipeAsync(KernelPipe pipe, Socket to, int count, CancellationToken token)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            int n = pipe.ReadInto(buffer.AsSpan(0, count));
            if (n <= 0)
            {
                throw new NativeCallException("read", "splice buffer", n == 0 ? 5 : -n); // EIO: the pipe was empty
            }

            await SendAllAsync(to, buffer.AsMemory(0, n), token).ConfigureAwait(false);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
