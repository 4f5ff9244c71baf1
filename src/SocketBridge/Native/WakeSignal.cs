using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// An eventfd(2) that other threads signal to wake an event loop waiting in
/// epoll; the loop resets it when it wakes.
/// </summary>
internal sealed class WakeSignal : IDisposable
{
    private readonly SafeFileHandle _handle;

    public WakeSignal()
    {
        int fd = NativeMethods.EventFd();
        if (fd < 0)
        {
            throw new NativeCallException("eventfd", "the relay loop", -fd);
        }

        _handle = new SafeFileHandle(fd, ownsHandle: true);
        Fd = fd;
    }

    /// <summary>The descriptor to register for reading.</summary>
    public int Fd { get; }

    /// <summary>Wakes the loop; ObjectDisposedException once it has been disposed.</summary>
    public void Signal()
    {
        int rc = NativeMethods.EventFdSignal(_handle);
        if (rc < 0)
        {
            throw new NativeCallException("write", "the relay loop's eventfd", -rc);
        }
    }

    public void Reset() => _ = NativeMethods.EventFdReset(Fd);

    public void Dispose() => _handle.Dispose();
}
