using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// The *at(2) calls through which the daemon makes, checks and removes
/// socket files and FIFOs: each works from a directory descriptor opened and
/// checked once, or on the descriptor of the node itself, and none follows a
/// symbolic link in its last component. Failures are
/// <see cref="NativeCallException"/>s naming the call and the path.
/// </summary>
internal static unsafe class FileNodes
{
    /// <summary>AT_FDCWD: a path-based call (the same value on every Linux architecture).</summary>
    public const int CurrentDirectory = -100;

    /// <summary>fstat(2) of whatever <paramref name="node"/> names (an O_PATH descriptor too).</summary>
    public static FileStatus Stat(SafeHandle node, string subject) =>
        StatAt(node, string.Empty, subject) ?? throw new NativeCallException("fstat", subject, Errno.ENOENT);

    /// <summary>fstatat(2) of <paramref name="name"/> in <paramref name="directory"/>, not following a final symlink; null when there is no such name.</summary>
    public static FileStatus? TryStatAt(SafeHandle directory, string name, string subject) =>
        StatAt(directory, name, subject);

    /// <summary>
    /// An O_PATH descriptor of <paramref name="name"/> in <paramref name="directory"/>
    /// (null: <paramref name="name"/> is an absolute path), never of a
    /// symbolic link it would have to follow. Null with <paramref name="errno"/>
    /// when the call failed (ELOOP: a symbolic link; ENOTDIR: not a directory).
    /// </summary>
    public static SafeFileHandle? TryOpenPath(SafeHandle? directory, string name, bool isDirectory, out int errno)
    {
        int fd = directory is null
            ? NativeMethods.OpenPathAt(CurrentDirectory, name, isDirectory ? 1 : 0)
            : NativeMethods.OpenPathAt(directory, name, isDirectory ? 1 : 0);
        errno = fd < 0 ? -fd : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>readlinkat(2): where the symbolic link <paramref name="name"/> in <paramref name="directory"/> points.</summary>
    public static string ReadLinkAt(SafeHandle directory, string name, string subject)
    {
        const int Size = 4096;
        byte* buffer = stackalloc byte[Size];
        int length = NativeMethods.ReadLinkAt(directory, name, buffer, Size);
        if (length < 0)
        {
            throw new NativeCallException("readlinkat", subject, -length);
        }

        return Encoding.UTF8.GetString(buffer, length);
    }

    /// <summary>
    /// mkdirat(2) of <paramref name="name"/> in <paramref name="directory"/>
    /// with exactly <paramref name="mode"/>, whatever the umask; returns an
    /// O_PATH descriptor of it. Null with EEXIST when the name exists already.
    /// </summary>
    public static SafeFileHandle? TryMakeDirectoryAt(SafeHandle directory, string name, uint mode, string subject)
    {
        int fd = NativeMethods.MakeDirectoryAt(directory, name, mode);
        if (fd == -Errno.EEXIST)
        {
            return null;
        }

        if (fd < 0)
        {
            throw new NativeCallException("mkdirat", subject, -fd);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>mknodat(2) of a FIFO with mode 0000; false when the name exists already.</summary>
    public static bool TryMakeFifoAt(SafeHandle directory, string name, string subject)
    {
        int rc = NativeMethods.MakeFifoAt(directory, name);
        if (rc == -Errno.EEXIST)
        {
            return false;
        }

        Check(rc, "mknodat", subject);
        return true;
    }

    /// <summary>unlinkat(2) of <paramref name="name"/> in <paramref name="directory"/>.</summary>
    public static void UnlinkAt(SafeHandle directory, string name, string subject) =>
        Check(NativeMethods.UnlinkAt(directory, name), "unlinkat", subject);

    /// <summary>fchownat(2) with AT_EMPTY_PATH: the owner of the very inode <paramref name="node"/> names; null leaves one as it is.</summary>
    public static void ChangeOwner(SafeHandle node, uint? uid, uint? gid, string subject) =>
        Check(NativeMethods.ChownNode(node, uid ?? uint.MaxValue, gid ?? uint.MaxValue), "fchownat", subject);

    /// <summary>fchmod(2), or fchmodat2(2) for an O_PATH descriptor: the mode of the very inode <paramref name="node"/> names.</summary>
    public static void ChangeMode(SafeHandle node, uint mode, string subject) =>
        Check(NativeMethods.ChmodNode(node, mode), "fchmod", subject);

    /// <summary>
    /// Whether <paramref name="file"/> is the very file the bind(2) of
    /// <paramref name="socket"/> created, as the kernel knows it (sock_diag,
    /// UDIAG_SHOW_VFS); null when the kernel cannot say (no unix_diag).
    /// </summary>
    public static bool? IsBoundFileOf(SafeHandle socket, FileStatus file)
    {
        int rc = NativeMethods.UnixSocketFile(socket, out ulong inode, out uint major, out uint minor);
        if (rc < 0)
        {
            return null;
        }

        NativeMethods.SplitDevice(file.Device, out uint fileMajor, out uint fileMinor);
        return file.IsSocket && fileMajor == major && fileMinor == minor && (uint)file.Inode == (uint)inode;
    }

    private static FileStatus? StatAt(SafeHandle directory, string name, string subject)
    {
        int rc = NativeMethods.StatAt(directory, name, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino);
        if (rc == -Errno.ENOENT)
        {
            return null;
        }

        Check(rc, name.Length == 0 ? "fstat" : "fstatat", subject);
        return new FileStatus(mode, uid, gid, dev, ino);
    }

    private static void Check(int rc, string call, string subject)
    {
        if (rc < 0)
        {
            throw new NativeCallException(call, subject, -rc);
        }
    }
}
