using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// An epoll(7) instance: descriptors registered with a 64-bit number of the
/// caller's choosing, and a wait that returns the ready ones. Add and
/// Modify return 0 or -errno, so the loop decides what a failure means for
/// the connection concerned. (Closing a descriptor unregisters it.)
/// </summary>
internal sealed unsafe class Epoll : IDisposable
{
    private const int EPOLL_CTL_ADD = 1;
    private const int EPOLL_CTL_DEL = 2;
    private const int EPOLL_CTL_MOD = 3;

    private readonly SafeFileHandle _handle;
    private readonly int _fd;

    public Epoll()
    {
        int fd = NativeMethods.EpollCreate();
        if (fd < 0)
        {
            throw new NativeCallException("epoll_create1", "the relay loop", -fd);
        }

        _handle = new SafeFileHandle(fd, ownsHandle: true);
        _fd = fd;
    }

    public int Add(int fd, uint events, ulong data) => NativeMethods.EpollControl(_fd, EPOLL_CTL_ADD, fd, events, data);

    public int Modify(int fd, uint events, ulong data) => NativeMethods.EpollControl(_fd, EPOLL_CTL_MOD, fd, events, data);

    /// <summary>
    /// Unregisters <paramref name="fd"/>: needed when its file outlives the
    /// wait, as a listening socket does (also open in a program it was handed to).
    /// </summary>
    public int Remove(int fd) => NativeMethods.EpollControl(_fd, EPOLL_CTL_DEL, fd, 0, 0);

    /// <summary>Registers <paramref name="fd"/>, or changes its registration if it has one already.</summary>
    public int AddOrModify(int fd, uint events, ulong data)
    {
        int rc = Add(fd, events, data);
        return rc == -Errno.EEXIST ? Modify(fd, events, data) : rc;
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> (-1: forever) for
    /// ready descriptors: how many were written to <paramref name="events"/>,
    /// 0 on timeout or a signal.
    /// </summary>
    public int Wait(Span<EpollEvent> events, int timeoutMilliseconds)
    {
        fixed (EpollEvent* p = events)
        {
            int n = NativeMethods.EpollWait(_fd, p, events.Length, timeoutMilliseconds);
            return n >= 0 ? n : throw new NativeCallException("epoll_wait", "the relay loop", -n);
        }
    }

    public void Dispose() => _handle.Dispose();
}
