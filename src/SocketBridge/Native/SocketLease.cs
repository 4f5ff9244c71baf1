using System.Net.Sockets;

namespace SocketBridge.Native;

/// <summary>
/// A socket's descriptor held for the relay loop: the handle is referenced
/// (DangerousAddRef) until <see cref="Dispose"/>, so the descriptor number
/// cannot be closed and reused under the loop even if the owner disposes
/// the socket meanwhile. The calls return a count, 0, or -errno, as the
/// loop wants them; nothing here throws.
/// </summary>
internal sealed unsafe class SocketLease : IDisposable
{
    private readonly SafeSocketHandle _handle;
    private bool _held;

    public SocketLease(Socket socket)
    {
        _handle = socket.SafeHandle;
        _handle.DangerousAddRef(ref _held);
        Fd = (int)_handle.DangerousGetHandle();
    }

    public int Fd { get; }

    /// <summary>shutdown(SHUT_WR): an EOF passed on as a half-close.</summary>
    public int ShutdownWrite() => NativeMethods.ShutdownWrite(Fd);

    /// <summary>SO_LINGER 0: the owner's close will reset the connection instead of ending it.</summary>
    public int ResetOnClose() => NativeMethods.ResetOnClose(Fd);

    /// <summary>SO_ERROR: the errno a non-blocking connect (or the connection) ended with, 0 for none.</summary>
    public int PendingError() => NativeMethods.SocketError(Fd);

    public int Read(byte* buffer, int count) => NativeMethods.ReadNonBlocking(Fd, buffer, count);

    public int Send(byte* buffer, int count) => NativeMethods.SendNonBlocking(Fd, buffer, count);

    /// <summary>The length of the next message of a seqpacket socket, not taken; -EAGAIN when none; <paramref name="end"/> at the peer's end.</summary>
    public int PeekMessage(out bool end)
    {
        int rc = NativeMethods.MessagePeek(Fd, out int ended);
        end = ended != 0;
        return rc;
    }

    public void Dispose()
    {
        if (_held)
        {
            _held = false;
            _handle.DangerousRelease();
        }
    }
}
