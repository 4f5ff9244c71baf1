using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// Named pipes (fifo(7), mkfifo(3)): creating them and opening their ends,
/// non-blocking and close-on-exec. Failures name the call and the path.
/// </summary>
internal static class Fifos
{
    /// <summary>mkfifo(3) with the given permission bits (before the umask).</summary>
    public static void Create(string path, uint mode)
    {
        if (NativeMethods.MkFifo(path, mode) < 0)
        {
            throw new NativeCallException("mkfifo", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading, or for writing, without
    /// following a symbolic link. Null with <paramref name="errno"/> when the
    /// call failed (ENXIO: opened for writing while no process reads); a
    /// path that is not a FIFO is opened, found out by fstat and closed at
    /// once, unchanged, and reported through <paramref name="opened"/>.
    /// </summary>
    public static SafePipeHandle? TryOpen(string path, bool forWriting, out FileStatus opened, out int errno) =>
        Opened(NativeMethods.OpenFifoAt(FileNodes.CurrentDirectory, path, forWriting ? 1 : 0, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino), new FileStatus(mode, uid, gid, dev, ino), out opened, out errno);

    /// <summary>As <see cref="TryOpen"/>, for <paramref name="name"/> in the directory <paramref name="directory"/> names.</summary>
    public static SafePipeHandle? TryOpenAt(SafeHandle directory, string name, bool forWriting, out FileStatus opened, out int errno) =>
        Opened(NativeMethods.OpenFifoAt(directory, name, forWriting ? 1 : 0, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino), new FileStatus(mode, uid, gid, dev, ino), out opened, out errno);

    private static SafePipeHandle? Opened(int fd, FileStatus status, out FileStatus opened, out int errno)
    {
        if (fd < 0)
        {
            opened = default;
            errno = -fd;
            return null;
        }

        opened = status;
        errno = 0;
        var handle = new SafePipeHandle(fd, ownsHandle: true);
        if (!opened.IsFifo)
        {
            handle.Dispose();
            return null;
        }

        return handle;
    }

    /// <summary>A new write end of the FIFO that <paramref name="reader"/> reads (via /proc/self/fd).</summary>
    public static SafePipeHandle ReopenWriter(SafePipeHandle reader)
    {
        int fd = NativeMethods.ReopenFifoWriter(reader);
        if (fd < 0)
        {
            throw new NativeCallException("open", "the FIFO's write end", -fd);
        }

        return new SafePipeHandle(fd, ownsHandle: true);
    }

    /// <summary>Sets or clears O_NONBLOCK on the open file description.</summary>
    public static void SetNonBlocking(SafePipeHandle handle, bool on)
    {
        int rc = NativeMethods.SetNonBlocking(handle, on ? 1 : 0);
        if (rc < 0)
        {
            throw new NativeCallException("fcntl(F_SETFL)", "FIFO", -rc);
        }
    }
}
