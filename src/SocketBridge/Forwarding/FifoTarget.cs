using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// A <c>fifo:</c> Target (SPEC 5, FIFO listeners): opened for writing per
/// connection. Opening a FIFO for writing without blocking fails with ENXIO
/// while no process reads it, so the open is tried again every
/// <see cref="RetryInterval"/> until <c>ConnectTimeout</c>. Nothing flows back.
/// </summary>
internal static class FifoTarget
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>The FIFO's write end as a stream (non-blocking underneath, so writes wait without a thread), or an exception naming the FIFO and why.</summary>
    public static async Task<PipeStream> OpenAsync(FifoEndpoint fifo, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        while (true)
        {
            SafePipeHandle? handle = Fifos.TryOpen(fifo.Path, forWriting: true, out FileStatus opened, out int errno);
            if (handle is not null)
            {
                try
                {
                    return new AnonymousPipeClientStream(PipeDirection.Out, handle);
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }
            }

            if (errno == 0)
            {
                throw new TargetUnreachableException($"{fifo}: {fifo.Path} is {opened.Kind}, not a FIFO");
            }

            if (errno != Errno.ENXIO)
            {
                throw new TargetUnreachableException($"{fifo}: {Errno.Message(errno)}");
            }

            if (time.GetElapsedTime(started) >= timeout)
            {
                throw new TargetUnreachableException($"{fifo}: no process read it within {timeout}");
            }

            await Task.Delay(RetryInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
