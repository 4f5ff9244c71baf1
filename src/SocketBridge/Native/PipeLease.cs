using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// A stream over a pipe or FIFO that someone else owns, holding the owner's
/// handle (a <see cref="HandleLease"/>) until <see cref="Dispose"/>: closing
/// the owner meanwhile cannot pull the descriptor away, nor let its number be
/// reused, under a read in progress.
/// </summary>
internal sealed class PipeLease : IDisposable
{
    private readonly HandleLease _lease;

    private PipeLease(SafePipeHandle owner)
    {
        _lease = HandleLease.Take(owner);
        try
        {
            Stream = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(_lease.Fd, ownsHandle: false));
        }
        catch
        {
            _lease.Dispose();
            throw;
        }
    }

    /// <summary>Reads the pipe; it does not own the descriptor.</summary>
    public Stream Stream { get; }

    /// <summary>A lease on <paramref name="owner"/>'s read end, or null when it is closed already.</summary>
    public static PipeLease? TryTakeReader(SafePipeHandle owner)
    {
        try
        {
            return new PipeLease(owner);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Stream.Dispose();
        _lease.Dispose();
    }
}
