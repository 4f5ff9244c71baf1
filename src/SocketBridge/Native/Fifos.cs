using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// Named pipes (fifo(7), mkfifo(3)): creating them and opening their ends,
/// non-blocking and close-on-exec. Failures name the call and the path.
/// </summary>
public static class Fifos
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
        TryOpenAt(FileNodes.CurrentDirectory, path, forWriting, out opened, out errno);

    /// <summary>As <see cref="TryOpen"/>, for <paramref name="name"/> in the directory <paramref name="directory"/> names.</summary>
    public static SafePipeHandle? TryOpenAt(SafeHandle directory, string name, bool forWriting, out FileStatus opened, out int errno)
    {
        bool added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            return TryOpenAt((int)directory.DangerousGetHandle(), name, forWriting, out opened, out errno);
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    private static SafePipeHandle? TryOpenAt(int directory, string name, bool forWriting, out FileStatus opened, out int errno)
    {
        int fd = NativeMethods.OpenFifoAt(directory, name, forWriting ? 1 : 0, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino);
        if (fd < 0)
        {
            opened = default;
            errno = -fd;
            return null;
        }

        opened = new FileStatus(mode, uid, gid, dev, ino);
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
        bool added = false;
        reader.DangerousAddRef(ref added);
        try
        {
            int fd = NativeMethods.ReopenFifoWriter((int)reader.DangerousGetHandle());
            if (fd < 0)
            {
                throw new NativeCallException("open", "the FIFO's write end", -fd);
            }

            return new SafePipeHandle(fd, ownsHandle: true);
        }
        finally
        {
            if (added)
            {
                reader.DangerousRelease();
            }
        }
    }

    /// <summary>Sets or clears O_NONBLOCK on the open file description.</summary>
    public static void SetNonBlocking(SafePipeHandle handle, bool on)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int rc = NativeMethods.SetNonBlocking((int)handle.DangerousGetHandle(), on ? 1 : 0);
            if (rc < 0)
            {
                throw new NativeCallException("fcntl(F_SETFL)", "FIFO", -rc);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
