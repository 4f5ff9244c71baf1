using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// A pipe used as splice(2)'s kernel-side buffer between two sockets, so
/// relayed bytes never pass through the daemon's memory (as
/// systemd-socket-proxyd does); it also holds what a receiving socket could
/// not take yet. Both ends are non-blocking and close-on-exec.
/// </summary>
internal sealed unsafe class KernelPipe : IDisposable
{
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int DefaultSize = 64 * 1024;

    /// <summary>What any pipe holds, even one the kernel gave only its minimum of two pages (a user over pipe-user-pages-soft).</summary>
    public const int GuaranteedSize = 8 * 1024;

    private readonly SafePipeHandle _read;
    private readonly SafePipeHandle _write;
    private readonly int _readFd;
    private readonly int _writeFd;

    /// <param name="preferredSize">
    /// What to ask of F_SETPIPE_SZ: a bigger pipe moves more per splice. Best
    /// effort: /proc/sys/fs/pipe-max-size or the user's pipe quota may refuse,
    /// and the pipe keeps what the kernel gave it (64 KiB, or 8 KiB for a
    /// user past pipe-user-pages-soft).
    /// </param>
    /// <param name="ceiling">Both descriptors must be numbered below it, else the pipe is refused (a descriptor reserve kept for others).</param>
    public KernelPipe(int preferredSize, int ceiling = int.MaxValue)
    {
        int* fds = stackalloc int[2];
        if (NativeMethods.Pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
        {
            throw new NativeCallException("pipe2", "splice buffer", Marshal.GetLastPInvokeError());
        }

        if (fds[0] >= ceiling || fds[1] >= ceiling)
        {
            new SafePipeHandle(fds[0], ownsHandle: true).Dispose();
            new SafePipeHandle(fds[1], ownsHandle: true).Dispose();
            throw new IOException("no descriptor outside the daemon's reserve for a splice pipe (descriptors are short)");
        }

        _read = new SafePipeHandle(fds[0], ownsHandle: true);
        _write = new SafePipeHandle(fds[1], ownsHandle: true);
        _readFd = fds[0];
        _writeFd = fds[1];
        int granted = preferredSize > DefaultSize ? NativeMethods.SetPipeSize(_writeFd, preferredSize) : -1;
        if (granted <= 0)
        {
            granted = NativeMethods.GetPipeSize(_writeFd);
        }

        Capacity = granted > 0 ? granted : GuaranteedSize;
        Slots = Capacity / Environment.SystemPageSize;
    }

    /// <summary>A pipe carried over from the daemon's previous image (a re-exec), with the bytes it holds.</summary>
    public static KernelPipe Adopt(int readFd, int writeFd) => new(readFd, writeFd, adopted: true);

    private KernelPipe(int readFd, int writeFd, bool adopted)
    {
        _ = adopted;
        _read = new SafePipeHandle(readFd, ownsHandle: true);
        _write = new SafePipeHandle(writeFd, ownsHandle: true);
        _readFd = readFd;
        _writeFd = writeFd;
        int size = NativeMethods.GetPipeSize(_writeFd);
        Capacity = size > 0 ? size : GuaranteedSize;
        Slots = Capacity / Environment.SystemPageSize;
    }

    /// <summary>The descriptors, for a handover across a re-exec.</summary>
    public int ReadFd => _readFd;

    public int WriteFd => _writeFd;

    /// <summary>What the pipe holds at most, so what one splice can move.</summary>
    public int Capacity { get; }

    /// <summary>
    /// How many buffers (pages) it has room for. One splice from a socket
    /// takes one per piece of a packet, so a pipe can be full with fewer
    /// bytes than <see cref="Capacity"/>; with fewer bytes than slots, never.
    /// </summary>
    public int Slots { get; }

    /// <summary>Moves up to <paramref name="count"/> bytes from socket <paramref name="fd"/> into the pipe: the count, 0 at EOF, or -errno (-EAGAIN: nothing now).</summary>
    public int FillFrom(int fd, int count) => NativeMethods.SpliceNonBlocking(fd, _writeFd, count);

    /// <summary>Moves up to <paramref name="count"/> bytes from the pipe to socket <paramref name="fd"/>, as <see cref="FillFrom"/>.</summary>
    public int DrainTo(int fd, int count) => NativeMethods.SpliceNonBlocking(_readFd, fd, count);

    /// <summary>Writes <paramref name="count"/> bytes into the pipe: the count written, or -errno.</summary>
    public int Write(byte* buffer, int count) => NativeMethods.WriteNonBlocking(_writeFd, buffer, count);

    public void Dispose()
    {
        _read.Dispose();
        _write.Dispose();
    }
}
