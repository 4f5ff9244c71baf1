using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// What systemd does with sd_notify(3) messages for a unit with
/// FileDescriptorStoreMax=, played by the test: a NOTIFY_SOCKET of its own
/// (a path, or an abstract name) that reads each datagram with recvmsg(2)
/// and its SCM_RIGHTS descriptors, keeps them as systemd's store does
/// (FDSTORE=1 with FDNAME=, one entry per open file, FDSTOREREMOVE=1 closes
/// every entry of a name), and passes the text on to the
/// <see cref="Daemon"/> fixture's own NOTIFY_SOCKET, which waits for READY=1.
/// <see cref="Launcher"/> starts the next daemon with the stored
/// descriptors in LISTEN_FDS and LISTEN_FDNAMES, as systemd does at a restart.
/// </summary>
public sealed partial class FakeFdStore : IDisposable
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int FSetFd = 2;

    private readonly Socket _socket;
    private readonly string _forwardTo;
    private readonly List<string> _messages = [];
    private readonly List<(string Name, int Fd)> _entries = [];
    private readonly Thread _reader;
    private volatile bool _disposed;

    /// <param name="abstractName">Listen on '@' + this name rather than on a file in <paramref name="directory"/>.</param>
    public FakeFdStore(TempDirectory directory, int capacity = 64, string? abstractName = null)
    {
        Address = abstractName is null ? directory["fdstore.sock"] : "@" + abstractName;
        _forwardTo = directory["notify.sock"];
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(abstractName is null ? Address : "\0" + abstractName));
        Environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = Address, ["FDSTORE"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        _reader = new Thread(Read) { IsBackground = true, Name = "fake fd store" };
        _reader.Start();
    }

    /// <summary>NOTIFY_SOCKET as the daemon is given it.</summary>
    public string Address { get; }

    /// <summary>NOTIFY_SOCKET and FDSTORE (FileDescriptorStoreMax=, as systemd 254 sets it and the shipped unit does for 252).</summary>
    public IDictionary<string, string> Environment { get; }

    /// <summary>Every message received, in order.</summary>
    public string[] Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>What the store holds: each name with the descriptor (in this process) it keeps.</summary>
    public (string Name, int Fd)[] Entries
    {
        get
        {
            lock (_messages)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Adds a descriptor of the test's own, as if a daemon had stored it under <paramref name="name"/>.</summary>
    public void Add(string name, SafeHandle handle)
    {
        int fd = Dup(handle);
        lock (_messages)
        {
            _entries.Add((name, fd));
        }
    }

    /// <summary>
    /// Starts the daemon as systemd starts a service whose store holds
    /// descriptors: through a launcher that passes them as fds 3, 4... with
    /// LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (its own pid, which the
    /// daemon it execs keeps).
    /// </summary>
    public async Task<Daemon> StartDaemonAsync(string[] args, TempDirectory directory)
    {
        (string Name, int Fd)[] entries = Entries;
        const string Script = """
            import fcntl, os, sys
            fds = [int(f) for f in sys.argv[1].split(",") if f]
            moved = [fcntl.fcntl(f, fcntl.F_DUPFD_CLOEXEC, 100) for f in fds]
            for f in fds:
                os.close(f)
            for i, f in enumerate(moved):
                os.dup2(f, 3 + i)
                os.close(f)
            os.environ["LISTEN_FDS"] = str(len(fds))
            os.environ["LISTEN_FDNAMES"] = sys.argv[2]
            os.environ["LISTEN_PID"] = str(os.getpid())
            os.execv(sys.argv[3], sys.argv[3:])
            """;
        string[] launcher = ["python3", "-c", Script, string.Join(',', entries.Select(e => e.Fd)), string.Join(':', entries.Select(e => e.Name))];
        Daemon daemon;
        lock (_messages)
        {
            // Inherited by the launcher alone: the test's descriptors are close-on-exec again at once.
            foreach ((_, int fd) in entries)
            {
                _ = FCntl(fd, FSetFd, 0);
            }

            try
            {
                daemon = Daemon.Launch(args, directory, ownsDirectory: false, Environment, launcher);
            }
            finally
            {
                foreach ((_, int fd) in entries)
                {
                    _ = FCntl(fd, FSetFd, 1);
                }
            }
        }

        try
        {
            await daemon.WaitReadyAsync();
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        return daemon;
    }

    /// <summary>The inode of the socket at <paramref name="fd"/> in this process (socket:[inode]), -1 if none.</summary>
    public static long SocketInode(int fd) => InodeOf($"/proc/self/fd/{fd}");

    /// <summary>The inode of a socket a process has open, from its /proc/PID/fd link.</summary>
    public static long InodeOf(string procFdLink)
    {
        try
        {
            string target = new FileInfo(procFdLink).LinkTarget ?? string.Empty;
            return target.StartsWith("socket:[", StringComparison.Ordinal) ? long.Parse(target[8..^1], System.Globalization.CultureInfo.InvariantCulture) : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    /// <summary>The inodes of every socket process <paramref name="pid"/> has open.</summary>
    public static HashSet<long> SocketsOf(int pid) =>
        [.. System.IO.Directory.GetFiles($"/proc/{pid}/fd").Select(InodeOf).Where(i => i >= 0)];

    public void Dispose()
    {
        _disposed = true;
        // shutdown(2) ends the recvmsg the reader waits in; close(2) alone would not.
        _socket.Shutdown(SocketShutdown.Both);
        _socket.Dispose();
        _reader.Join(TimeSpan.FromSeconds(5));
        lock (_messages)
        {
            foreach ((_, int fd) in _entries)
            {
                _ = Close(fd);
            }

            _entries.Clear();
        }
    }

    private unsafe void Read()
    {
        byte[] buffer = new byte[4096];
        byte[] control = new byte[256];
        using var forward = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        while (true)
        {
            long n;
            int[] fds;
            fixed (byte* data = buffer)
            fixed (byte* cmsg = control)
            {
                var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
                var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = cmsg, ControlLength = (nuint)control.Length };
                n = RecvMsg((int)_socket.Handle, &msg, 0x40000000 /* MSG_CMSG_CLOEXEC */);
                if (n < 0 || _disposed)
                {
                    return;
                }

                fds = Descriptors(cmsg, (int)msg.ControlLength);
            }

            string text = Encoding.UTF8.GetString(buffer, 0, (int)n);
            string[] lines = text.Split('\n');
            string? name = lines.FirstOrDefault(l => l.StartsWith("FDNAME=", StringComparison.Ordinal))?[7..];
            lock (_messages)
            {
                _messages.Add(text);
                if (lines.Contains("FDSTOREREMOVE=1") && name is not null)
                {
                    foreach ((string Name, int Fd) entry in _entries.Where(e => e.Name == name).ToArray())
                    {
                        _ = Close(entry.Fd);
                        _entries.Remove(entry);
                    }
                }
                else if (lines.Contains("FDSTORE=1"))
                {
                    foreach (int fd in fds)
                    {
                        // One entry per open file, as systemd's same_fd() keeps it.
                        if (_entries.Any(e => SocketInode(e.Fd) == SocketInode(fd) && SocketInode(fd) >= 0))
                        {
                            _ = Close(fd);
                        }
                        else
                        {
                            _entries.Add((name ?? "stored", fd));
                        }
                    }
                }
                else
                {
                    foreach (int fd in fds)
                    {
                        _ = Close(fd);
                    }
                }
            }

            try
            {
                forward.SendTo(buffer.AsSpan(0, (int)n), SocketFlags.None, new UnixDomainSocketEndPoint(_forwardTo));
            }
            catch (SocketException)
            {
                // No Daemon fixture listening (yet): the message is recorded all the same.
            }
        }
    }

    private static unsafe int[] Descriptors(byte* control, int length)
    {
        var fds = new List<int>();
        int offset = 0;
        while (offset + sizeof(CmsgHdr) <= length)
        {
            var header = (CmsgHdr*)(control + offset);
            if ((int)header->Length < sizeof(CmsgHdr))
            {
                break;
            }

            if (header->Level == SolSocket && header->Type == ScmRights)
            {
                int count = ((int)header->Length - sizeof(CmsgHdr)) / sizeof(int);
                int* data = (int*)(control + offset + sizeof(CmsgHdr));
                for (int i = 0; i < count; i++)
                {
                    fds.Add(data[i]);
                }
            }

            offset += ((int)header->Length + 7) & ~7;
        }

        return [.. fds];
    }

    private static int Dup(SafeHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return FCntl((int)handle.DangerousGetHandle(), 1030 /* F_DUPFD_CLOEXEC */, 3);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", EntryPoint = "recvmsg")]
    private static unsafe partial nint RecvMsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int FCntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
