using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>
/// A descriptor number held valid: a reference on its SafeHandle from
/// <see cref="TryTake"/> until <see cref="Dispose"/>, so closing the handle
/// elsewhere meanwhile cannot free the number for another file (the epoll
/// registrations of a readiness wait name descriptors by number).
/// </summary>
internal sealed class HandleLease : IDisposable
{
    private readonly SafeHandle _handle;
    private bool _held;

    private HandleLease(SafeHandle handle)
    {
        _handle = handle;
        _handle.DangerousAddRef(ref _held);
        Fd = (int)_handle.DangerousGetHandle();
    }

    public int Fd { get; }

    /// <summary>A lease on <paramref name="handle"/>; ObjectDisposedException when it is closed already.</summary>
    public static HandleLease Take(SafeHandle handle) => new(handle);

    public void Dispose()
    {
        if (_held)
        {
            _held = false;
            _handle.DangerousRelease();
        }
    }
}
