using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// A pipe used as splice(2)'s kernel-side buffer between two sockets, so
/// relayed bytes never pass through the daemon's memory (as
/// systemd-socket-proxyd does). Both ends are non-blocking and close-on-exec.
/// </summary>
public sealed unsafe class KernelPipe : IDisposable
{
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const uint SPLICE_F_MOVE = 1;
    private const uint SPLICE_F_NONBLOCK = 2;
    private const int EAGAIN = 11;
    private const int DefaultSize = 64 * 1024;
    private const int PreferredSize = 256 * 1024;

    /// <summary>What <see cref="FillFrom"/> and <see cref="DrainTo"/> return when nothing can move now (EAGAIN).</summary>
    public const int WouldBlock = int.MinValue;

    private readonly SafePipeHandle _read;
    private readonly SafePipeHandle _write;

    public KernelPipe()
    {
        int* fds = stackalloc int[2];
        if (NativeMethods.Pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        {
            throw new NativeCallException("pipe2", "splice buffer", Marshal.GetLastPInvokeError());
        }

        _read = new SafePipeHandle(fds[0], ownsHandle: true);
        _write = new SafePipeHandle(fds[1], ownsHandle: true);

        // As systemd-socket-proxyd: a bigger pipe moves more per splice. Best
        // effort: /proc/sys/fs/pipe-max-size or the user's pipe quota may refuse.
        int granted = NativeMethods.SetPipeSize(fds[1], PreferredSize);
        Capacity = granted > 0 ? granted : DefaultSize;
    }

    /// <summary>What the pipe holds at most, so what one splice can move.</summary>
    public int Capacity { get; }

    /// <summary>
    /// Moves up to <paramref name="count"/> bytes from socket <paramref name="fd"/>
    /// into the pipe: the count, 0 at EOF, <see cref="WouldBlock"/> when nothing
    /// is ready, or -errno otherwise.
    /// </summary>
    public int FillFrom(int fd, int count) => Splice(fd, (int)_write.DangerousGetHandle(), count);

    /// <summary>Moves up to <paramref name="count"/> bytes from the pipe to socket <paramref name="fd"/>, as <see cref="FillFrom"/>.</summary>
    public int DrainTo(int fd, int count) => Splice((int)_read.DangerousGetHandle(), fd, count);

    /// <summary>Reads what the pipe holds into <paramref name="buffer"/> (when the socket cannot take it now).</summary>
    public int ReadInto(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            nint n = NativeMethods.Read((int)_read.DangerousGetHandle(), p, (nuint)buffer.Length);
            return n < 0 ? -Marshal.GetLastPInvokeError() : (int)n;
        }
    }

    public void Dispose()
    {
        _read.Dispose();
        _write.Dispose();
    }

    private static int Splice(int from, int to, int count)
    {
        nint n = NativeMethods.Splice(from, 0, to, 0, (nuint)count, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n >= 0)
        {
            return (int)n;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == EAGAIN ? WouldBlock : -errno;
    }
}
