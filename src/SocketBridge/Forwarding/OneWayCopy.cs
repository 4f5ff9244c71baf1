using System.Buffers;
using System.Net.Sockets;

namespace SocketBridge.Forwarding;

/// <summary>
/// Copies one way to EOF, for the FIFO paths of forward mode (a FIFO is
/// one-way): a client into a FIFO Target, or a FIFO session into its Target.
/// Pooled buffer; IdleTimeout counts from the last byte moved.
/// </summary>
internal static class OneWayCopy
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> until EOF; the bytes are BytesIn of the result.</summary>
    public static async Task<RelayResult> RunAsync(Stream source, Stream destination, TimeSpan? idleTimeout, CancellationToken kill, ReadOnlyMemory<byte> first = default)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long bytes = 0;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(kill);
        try
        {
            if (!first.IsEmpty)
            {
                await destination.WriteAsync(first, kill).ConfigureAwait(false);
                bytes += first.Length;
            }

            while (true)
            {
                if (idleTimeout is { } limit)
                {
                    idle.CancelAfter(limit);
                }

                int n = await source.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return new RelayResult(bytes, 0, RelayOutcome.Completed, null);
                }

                await destination.WriteAsync(buffer.AsMemory(0, n), idle.Token).ConfigureAwait(false);
                bytes += n;
            }
        }
        catch (OperationCanceledException)
        {
            return new RelayResult(bytes, 0, kill.IsCancellationRequested ? RelayOutcome.Aborted : RelayOutcome.IdleTimeout, null);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            return new RelayResult(bytes, 0, RelayOutcome.Reset, ex.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
