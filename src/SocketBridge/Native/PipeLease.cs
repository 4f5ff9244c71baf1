using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// A stream over a pipe or FIFO that someone else owns, holding the owner's
/// handle (DangerousAddRef) until <see cref="Dispose"/>: closing the owner
/// meanwhile cannot pull the descriptor away, nor let its number be reused,
/// under a read in progress.
/// </summary>
internal sealed class PipeLease : IDisposable
{
    private readonly SafePipeHandle _owner;
    private bool _held;

    private PipeLease(SafePipeHandle owner)
    {
        _owner = owner;
        _owner.DangerousAddRef(ref _held);
        try
        {
            Stream = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(_owner.DangerousGetHandle(), ownsHandle: false));
        }
        catch
        {
            _owner.DangerousRelease();
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
        if (_held)
        {
            _held = false;
            _owner.DangerousRelease();
        }
    }
}
