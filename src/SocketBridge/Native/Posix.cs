using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SocketBridge.Native;

/// <summary>
/// Safe wrappers over the file, account and signal calls the daemon makes.
/// Every failure is a <see cref="NativeCallException"/> naming the call and
/// the path.
/// </summary>
internal static unsafe class Posix
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    private const int AF_UNIX = 1;
    private const int SOCK_STREAM = 1;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int X_OK = 1;

    public static uint EffectiveUid => NativeMethods.GetEUid();

    /// <summary>The calling thread's kernel id, as /proc/self/task/ names it.</summary>
    public static int CurrentThreadId => NativeMethods.GetTid();

    /// <summary>
    /// What thread <paramref name="tid"/> of this process is doing, from
    /// /proc/self/task/TID/stat: whether it is running or waiting for a CPU
    /// (state R), as opposed to sleeping in a call such as a write to a full
    /// pipe, and the CPU time it has used so far, in clock ticks. Not
    /// runnable with no CPU time when it cannot be read.
    /// </summary>
    public static ThreadActivity ReadThreadActivity(int tid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            int end = stat.LastIndexOf(')');
            if (end < 0 || end + 2 >= stat.Length)
            {
                return default;
            }

            // After the name: state, then ten fields, then utime and stime.
            string[] fields = stat[(end + 2)..].Split(' ');
            long ticks = fields.Length > 12 && long.TryParse(fields[11], out long user) && long.TryParse(fields[12], out long system)
                ? user + system
                : 0;
            return new ThreadActivity(fields[0] == "R", ticks);
        }
        catch (IOException)
        {
            return default;
        }
    }

    /// <summary>
    /// Puts back SIGCHLD's default disposition and unblocks the signals the
    /// daemon handles, whatever its parent left (see sb_reset_inherited_signals).
    /// </summary>
    public static void ResetInheritedSignals()
    {
        int rc = NativeMethods.ResetInheritedSignals();
        if (rc < 0)
        {
            throw new NativeCallException("sigaction", "SIGCHLD", -rc);
        }
    }

    /// <summary>
    /// SIGHUP, SIGTERM, SIGUSR1 and SIGUSR2 back to their default if the
    /// daemon's parent left them ignored (nohup), so the handlers the daemon
    /// registers next receive them (see sb_take_back_daemon_signals).
    /// Returns the numbers of those that were ignored.
    /// </summary>
    public static int[] TakeBackDaemonSignals()
    {
        int ignored = NativeMethods.TakeBackDaemonSignals();
        if (ignored < 0)
        {
            throw new NativeCallException("sigaction", "SIGHUP, SIGTERM, SIGUSR1 and SIGUSR2", -ignored);
        }

        return [.. Enumerable.Range(1, 31).Where(signal => (ignored & (1 << (signal - 1))) != 0)];
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without blocking, even on a
    /// FIFO; returns what fstat says it is, so the caller can refuse it before
    /// reading.
    /// </summary>
    public static SafeFileHandle OpenForReading(string path, out FileStatus status, out long size)
    {
        int fd = NativeMethods.OpenForReading(path, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino, out size);
        if (fd < 0)
        {
            throw new NativeCallException("open", path, -fd);
        }

        status = new FileStatus(mode, uid, gid, dev, ino);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>The soft RLIMIT_NOFILE: descriptors are numbered below it (long.MaxValue when unlimited).</summary>
    public static long OpenFilesLimit()
    {
        int rc = NativeMethods.OpenFilesLimit(out ulong soft, out _);
        if (rc < 0)
        {
            throw new NativeCallException("getrlimit", "RLIMIT_NOFILE", -rc);
        }

        return soft > long.MaxValue ? long.MaxValue : (long)soft;
    }

    /// <summary>The process's own hard limit of <paramref name="kind"/> (<see cref="ResourceLimit.Infinity"/> when unlimited, or when it cannot be read).</summary>
    public static ulong HardLimit(ResourceKind kind) =>
        NativeMethods.GetResourceLimit((int)kind, out _, out ulong hard) < 0 ? ResourceLimit.Infinity : hard;

    /// <summary>Raises the soft RLIMIT_NOFILE to the hard one.</summary>
    public static void RaiseOpenFilesLimit()
    {
        int rc = NativeMethods.RaiseOpenFilesLimit();
        if (rc < 0)
        {
            throw new NativeCallException("setrlimit", "RLIMIT_NOFILE", -rc);
        }
    }

    /// <summary>The descriptors the process has open now (the metrics' open_fds); -1 when they cannot be counted.</summary>
    public static int OpenDescriptorCount() => Math.Max(NativeMethods.OpenDescriptorCount(), -1);

    /// <summary>0 when a descriptor could be opened now, else EMFILE (the process's limit) or ENFILE (the system's).</summary>
    public static int DescriptorShortage() => -NativeMethods.DescriptorShortage();

    /// <summary>Takes one pending connection off <paramref name="listener"/> and closes it; 0 or the errno (EAGAIN: none pending).</summary>
    public static int AcceptAndClose(SafeSocketHandle listener) => -NativeMethods.AcceptAndClose(listener);

    public static uint EffectiveGid => NativeMethods.GetEGid();

    /// <summary>getgroups(2): the supplementary groups of the daemon.</summary>
    public static uint[] SupplementaryGroups()
    {
        int n = NativeMethods.GetGroups(0, null);
        uint[] groups = new uint[Math.Max(n, 0)];
        fixed (uint* p = groups)
        {
            n = NativeMethods.GetGroups(groups.Length, p);
        }

        return n < 0 ? [] : groups[..n];
    }

    /// <summary>lstat(2); null when the path does not exist.</summary>
    public static FileStatus? TryLStat(string path)
    {
        int rc = NativeMethods.LStat(path, out uint mode, out uint uid, out uint gid, out ulong dev, out ulong ino);
        if (rc == -Errno.ENOENT || rc == -Errno.ENOTDIR)
        {
            return null;
        }

        if (rc < 0)
        {
            throw new NativeCallException("lstat", path, -rc);
        }

        return new FileStatus(mode, uid, gid, dev, ino);
    }

    public static bool IsExecutable(string path) => NativeMethods.Access(path, X_OK) == 0;

    /// <summary>
    /// The first bytes of a regular file, at most <paramref name="count"/>,
    /// without following a symbolic link or waiting on a FIFO.
    /// </summary>
    public static byte[] ReadHead(string path, int count)
    {
        byte[] head = new byte[count];
        int n;
        fixed (byte* p = head)
        {
            n = NativeMethods.ReadHead(path, p, count);
        }

        if (n < 0)
        {
            throw new NativeCallException("open", path, -n);
        }

        return head[..n];
    }

    /// <summary>Whether the file has a POSIX access ACL (acl(5)); null when that cannot be told.</summary>
    public static bool? HasAccessAcl(string path)
    {
        int rc = NativeMethods.HasAccessAcl(path);
        return rc < 0 ? null : rc == 1;
    }

    /// <summary>What execve(2) takes for a program's arguments and environment together, in bytes (ARG_MAX as the kernel applies it).</summary>
    public static long ArgumentSpace => NativeMethods.ArgumentSpace();

    /// <summary>
    /// The connections waiting in a listening socket's accept queue, each by
    /// an id that stays the same while it waits (sock_diag(7)); at most
    /// <paramref name="capacity"/> of them. Null when the kernel cannot say.
    /// </summary>
    public static ulong[]? QueuedConnections(SafeHandle socket, int capacity)
    {
        ulong[] ids = new ulong[capacity];
        int n;
        fixed (ulong* p = ids)
        {
            n = NativeMethods.QueuedConnections(socket, p, capacity);
        }

        return n < 0 ? null : ids[..Math.Min(n, capacity)];
    }

    /// <summary>
    /// What waits in a datagram socket's receive queue, asked without taking
    /// anything (sb_datagram_queue): the first datagram, if any, and the
    /// bytes the queue holds (-1 when unknown). Null when the kernel cannot say.
    /// </summary>
    public static DatagramQueue? WaitingDatagrams(SafeHandle socket)
    {
        byte* sender = stackalloc byte[128]; // sizeof(struct sockaddr_storage)
        int senderLength = 128;
        int rc = NativeMethods.DatagramQueue(socket, out int length, sender, ref senderLength, out long queued);
        if (rc < 0)
        {
            return null;
        }

        return new DatagramQueue(rc == 1 ? length : null, rc == 1 ? new ReadOnlySpan<byte>(sender, senderLength).ToArray() : [], queued);
    }

    /// <summary>SO_ERROR: takes (and so clears) a socket's pending error; 0 for none, or -errno.</summary>
    public static int TakeSocketError(SafeHandle socket) => NativeMethods.SocketError(socket);

    /// <summary>How many bytes wait in a pipe or FIFO (FIONREAD); null when that cannot be told.</summary>
    public static int? BytesReadable(SafeHandle pipe)
    {
        int rc = NativeMethods.BytesReadable(pipe);
        return rc < 0 ? null : rc;
    }

    /// <summary>
    /// Whether a process listens on the Unix socket file <paramref name="file"/>,
    /// asked of the kernel (sock_diag) without connecting; null when the kernel cannot say.
    /// </summary>
    public static bool? UnixListenerExists(FileStatus file)
    {
        NativeMethods.SplitDevice(file.Device, out uint major, out uint minor);
        int rc = NativeMethods.UnixListenerExists(file.Inode, major, minor);
        return rc < 0 ? null : rc == 1;
    }

    /// <summary>Marks a descriptor close-on-exec (FD_CLOEXEC), so programs never inherit it.</summary>
    public static void SetCloseOnExec(int fd, string subject)
    {
        int rc = NativeMethods.SetCloseOnExec(fd);
        if (rc < 0)
        {
            throw new NativeCallException("fcntl(F_SETFD)", subject, -rc);
        }
    }

    /// <summary>
    /// Sets O_NONBLOCK on a socket behind .NET's back, for one only the relay
    /// loop's native calls use: Socket.Blocking = false would also give it
    /// .NET's own event-loop state (a SocketAsyncContext and its locks, about
    /// 230 bytes a socket, kept as long as the connection).
    /// </summary>
    public static void SetNonBlocking(SafeSocketHandle socket)
    {
        int rc = NativeMethods.SetNonBlocking(socket, 1);
        if (rc < 0)
        {
            throw new NativeCallException("fcntl(F_SETFL)", "a relayed socket", -rc);
        }
    }

    /// <summary>
    /// One send(2) that never waits, on a socket .NET may take for a blocking
    /// one (<see cref="SetNonBlocking"/>, StreamConnect): the count sent, or -errno.
    /// </summary>
    public static int SendNow(SafeSocketHandle socket, ReadOnlySpan<byte> bytes)
    {
        bool added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = bytes)
            {
                return NativeMethods.SendNonBlocking((int)socket.DangerousGetHandle(), p, bytes.Length);
            }
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>poll(2) for readability: true when a connection is pending on a listening socket, or a FIFO has bytes.</summary>
    public static bool WaitReadable(SafeHandle socket, TimeSpan timeout)
    {
        int rc = NativeMethods.WaitReadable(socket, (int)timeout.TotalMilliseconds);
        if (rc < 0)
        {
            throw new NativeCallException("poll", socket is SafeSocketHandle ? "listening socket" : "FIFO", -rc);
        }

        return rc == 1;
    }

    /// <summary>
    /// poll(2) on several descriptors at once, at most <see cref="ProcessSpawner.MaxListenDescriptors"/>:
    /// the index of the first readable one, or -1 when <paramref name="timeout"/> passed.
    /// </summary>
    public static int WaitAnyReadable(IReadOnlyList<SafeHandle> handles, TimeSpan timeout)
    {
        int count = handles.Count;
        if (count is < 1 or > ProcessSpawner.MaxListenDescriptors)
        {
            throw new NativeCallException("poll", $"{count} listening sockets", Errno.EINVAL);
        }

        bool[] added = new bool[count];
        int* fds = stackalloc int[count];

        try
        {
            for (int i = 0; i < count; i++)
            {
                handles[i].DangerousAddRef(ref added[i]);
                fds[i] = (int)handles[i].DangerousGetHandle();
            }

            int rc = NativeMethods.WaitAnyReadable(fds, count, (int)timeout.TotalMilliseconds);
            if (rc < 0)
            {
                throw new NativeCallException("poll", "listening sockets", -rc);
            }

            return rc - 1;
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                if (added[i])
                {
                    handles[i].DangerousRelease();
                }
            }
        }
    }

    /// <summary>Whether <paramref name="handle"/>'s descriptor is numbered below <paramref name="ceiling"/> (the daemon's descriptor reserve).</summary>
    public static bool IsNumberedBelow(SafeHandle handle, int ceiling) => handle.DangerousGetHandle() < ceiling;

    /// <summary>kill(2); false when the process (group) no longer exists.</summary>
    public static bool Kill(int pid, int signal) => NativeMethods.Kill(pid, signal) == 0;

    /// <summary>close(2) of a raw descriptor no SafeHandle owns (one handed over by a re-exec and not taken).</summary>
    public static void Close(int fd) => NativeMethods.Close(fd);

    /// <summary>A connected pair of Unix stream sockets, both close-on-exec.</summary>
    public static (SafeSocketHandle First, SafeSocketHandle Second) SocketPair()
    {
        int* fds = stackalloc int[2];
        if (NativeMethods.SocketPair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
        {
            throw new NativeCallException("socketpair", "AF_UNIX", Marshal.GetLastPInvokeError());
        }

        return (new SafeSocketHandle(fds[0], ownsHandle: true), new SafeSocketHandle(fds[1], ownsHandle: true));
    }

    /// <summary>SO_PEERCRED: the pid, uid and gid of a Unix socket's peer.</summary>
    public static (int Pid, uint Uid, uint Gid) PeerCredentials(SafeSocketHandle socket)
    {
        int rc = NativeMethods.PeerCredentials(socket, out int pid, out uint uid, out uint gid);
        if (rc < 0)
        {
            throw new NativeCallException("getsockopt", "SO_PEERCRED", -rc);
        }

        return (pid, uid, gid);
    }

    /// <summary>
    /// Sends <paramref name="entry"/> to journald as a sealed memfd, for
    /// entries too large for a datagram. Returns 0 or an errno.
    /// </summary>
    public static int JournalSendMemfd(SafeSocketHandle socket, string path, ReadOnlySpan<byte> entry)
    {
        fixed (byte* data = entry)
        {
            return -NativeMethods.JournalSendMemfd(socket, path, data, (ulong)entry.Length);
        }
    }

    private static void Check(int rc, string call, string subject)
    {
        if (rc < 0)
        {
            throw new NativeCallException(call, subject, Marshal.GetLastPInvokeError());
        }
    }
}
