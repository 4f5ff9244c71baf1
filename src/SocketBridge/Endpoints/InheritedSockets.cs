using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// The sockets passed by socket activation, read once at start-up as
/// sd_listen_fds(3) documents: LISTEN_PID must be this process, descriptors
/// start at 3 (SD_LISTEN_FDS_START), LISTEN_FDNAMES holds their
/// colon-separated names. The variables are removed so nothing launched
/// later sees them, and every descriptor is made close-on-exec.
/// </summary>
internal sealed class InheritedSockets
{
    private const int ListenFdsStart = 3;
    private readonly List<InheritedSocket> _available;
    private readonly Dictionary<string, CreatedNode> _nodes = new(StringComparer.Ordinal);
    // Descriptor numbers, not handles: the pipe handles' assembly is loaded only when a FIFO is carried.
    private readonly Dictionary<string, (int Reader, int Writer)> _fifos = new(StringComparer.Ordinal);

    private InheritedSockets(List<InheritedSocket> sockets, IReadOnlyList<string> problems)
    {
        _available = sockets;
        All = [.. sockets];
        Problems = problems;
    }

    public static InheritedSockets None { get; } = new([], []);

    /// <summary>Every socket that was passed, used or not.</summary>
    public IReadOnlyList<InheritedSocket> All { get; }

    /// <summary>Descriptors that were passed but cannot serve as listening (or datagram) sockets, described.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The sockets not yet taken by a bridge.</summary>
    public IReadOnlyList<InheritedSocket> Unused
    {
        get
        {
            lock (_available)
            {
                return [.. _available];
            }
        }
    }

    public static InheritedSockets FromEnvironment()
    {
        string? pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        string? count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        string? names = Environment.GetEnvironmentVariable("LISTEN_FDNAMES");
        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);

        if (pid is null || count is null
            || !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int listenPid) || listenPid != Environment.ProcessId
            || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n <= 0)
        {
            return None;
        }

        string[] fdNames = names?.Split(':') ?? [];
        return FromDescriptors(Enumerable.Range(0, n).Select(i => (ListenFdsStart + i, i < fdNames.Length && fdNames[i].Length > 0 ? fdNames[i] : "unknown")));
    }

    /// <summary>
    /// The sockets the daemon's previous image handed over (a re-exec), by
    /// descriptor and name, checked and made close-on-exec as passed ones are.
    /// </summary>
    public static InheritedSockets FromDescriptors(IEnumerable<(int Fd, string Name)> descriptors) =>
        FromDescriptors(descriptors.Select(d => (d.Fd, d.Name, (string?)null)));

    /// <summary>The same, each with the bridge that had it in the previous image (null: the control socket, or one systemd passed).</summary>
    public static InheritedSockets FromDescriptors(IEnumerable<(int Fd, string Name, string? Bridge)> descriptors)
    {
        var sockets = new List<InheritedSocket>();
        var problems = new List<string>();
        foreach ((int fd, string name, string? bridge) in descriptors)
        {
            try
            {
                Posix.SetCloseOnExec(fd, $"fd {fd}");
            }
            catch (NativeCallException ex)
            {
                problems.Add($"fd {fd} ({name}): {ex.Message}");
                continue;
            }

            Socket socket;
            try
            {
                socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            }
            catch (SocketException)
            {
                problems.Add($"fd {fd} ({name}) is not a socket");
                continue;
            }

            if (!IsUsable(socket))
            {
                problems.Add($"fd {fd} ({name}) is neither a listening stream or seqpacket socket nor a bound datagram socket");
                socket.Dispose();
                continue;
            }

            sockets.Add(new InheritedSocket(fd, name, socket) { Bridge = bridge });
        }

        return new InheritedSockets(sockets, problems);
    }

    /// <summary>
    /// What else the previous image handed over (a re-exec): the files it
    /// made, which the bridges that take them remove in their turn, and its
    /// FIFOs with the bytes in them.
    /// </summary>
    public void Carry(IEnumerable<NodeHandover> nodes, IEnumerable<FifoHandover> fifos)
    {
        lock (_available)
        {
            foreach (NodeHandover node in nodes)
            {
                Posix.SetCloseOnExec(node.DirectoryFd, node.Path);
                var directory = SocketDirectory.Adopt(node.DirectoryFd, System.IO.Path.GetDirectoryName(node.Path) ?? "/");
                _nodes[node.Path] = new CreatedNode(directory, node.Name, node.Path, new FileStatus(node.Mode, node.Uid, node.Gid, node.Device, node.Inode));
            }

            foreach (FifoHandover fifo in fifos)
            {
                Posix.SetCloseOnExec(fifo.ReaderFd, fifo.Path);
                if (fifo.WriterFd >= 0)
                {
                    Posix.SetCloseOnExec(fifo.WriterFd, fifo.Path);
                }

                _fifos[fifo.Path] = (fifo.ReaderFd, fifo.WriterFd);
            }
        }
    }

    /// <summary>The file at <paramref name="path"/> the previous image made, once (null if it made none).</summary>
    public CreatedNode? TakeCreated(string path)
    {
        lock (_available)
        {
            return _nodes.Remove(path, out CreatedNode? node) ? node : null;
        }
    }

    /// <summary>The FIFO at <paramref name="path"/> the previous image listened on, once.</summary>
    public (SafePipeHandle Reader, SafePipeHandle? Writer)? TakeFifo(string path)
    {
        lock (_available)
        {
            return _fifos.Remove(path, out (int Reader, int Writer) fifo)
                ? (new SafePipeHandle(fifo.Reader, ownsHandle: true), fifo.Writer >= 0 ? new SafePipeHandle(fifo.Writer, ownsHandle: true) : null)
                : null;
        }
    }

    /// <summary>
    /// Once the bridges have taken theirs: FIFOs nobody took are closed, and
    /// files nobody took are removed (their bridge is gone, as a reload would
    /// have removed them). Returns their paths.
    /// </summary>
    public IReadOnlyList<string> ReleaseUntaken()
    {
        lock (_available)
        {
            var released = new List<string>();
            foreach (InheritedSocket carried in _available.Where(s => s.Bridge is not null).ToList())
            {
                // A socket of a bridge that is gone: released, as a reload would.
                released.Add(carried.Display);
                carried.Socket.Dispose();
                _available.Remove(carried);
            }

            foreach ((string path, (int reader, int writer)) in _fifos)
            {
                Posix.Close(reader);
                if (writer >= 0)
                {
                    Posix.Close(writer);
                }

                released.Add(path);
            }

            foreach ((string path, CreatedNode node) in _nodes)
            {
                node.Remove();
                node.Directory.Dispose();
                if (!released.Contains(path))
                {
                    released.Add(path);
                }
            }

            _fifos.Clear();
            _nodes.Clear();
            return released;
        }
    }

    /// <summary>Takes the socket passed with FileDescriptorName=<paramref name="name"/>.</summary>
    public InheritedSocket? TakeByName(string name) => Take(s => s.Name == name);

    /// <summary>Takes a socket of <paramref name="type"/> bound to exactly <paramref name="address"/>, for a tcp: (Stream) or udp: (Dgram) Listen.</summary>
    /// <remarks>
    /// Port 0 (the kernel picks) takes the socket the bridge <paramref name="bridge"/>
    /// had on that address in the previous image (a re-exec), whatever port it got.
    /// </remarks>
    public InheritedSocket? TakeByAddress(IPEndPoint address, SocketType type = SocketType.Stream, string? bridge = null) =>
        Take(s => s.Socket.SocketType == type && s.Socket.LocalEndPoint is IPEndPoint bound && bound.Address.Equals(address.Address)
            && (bound.Port == address.Port || (address.Port == 0 && bridge is not null && s.Bridge == bridge)));

    /// <summary>Takes a socket of <paramref name="type"/> bound to exactly <paramref name="path"/> ('@' for abstract), for a unix:, unix-dgram: or unix-seqpacket: Listen.</summary>
    public InheritedSocket? TakeByPath(string path, SocketType type = SocketType.Stream) =>
        Take(s => s.Socket.SocketType == type && s.Socket.LocalEndPoint is UnixDomainSocketEndPoint unix && BoundListener.UnixSocketPath(unix) == path);

    public string Names => string.Join(", ", All.Select(s => s.Name));

    private InheritedSocket? Take(Func<InheritedSocket, bool> match)
    {
        lock (_available)
        {
            InheritedSocket? found = _available.FirstOrDefault(match);
            if (found is not null)
            {
                _available.Remove(found);
            }

            return found;
        }
    }

    /// <summary>
    /// What a bridge can serve: a stream or seqpacket socket that listens
    /// (ListenStream=, ListenSequentialPacket=), or a datagram socket that
    /// is bound to an address (ListenDatagram=).
    /// </summary>
    private static bool IsUsable(Socket socket) => socket.SocketType switch
    {
        SocketType.Stream or SocketType.Seqpacket => IsListening(socket),
        SocketType.Dgram => IsBound(socket),
        _ => false,
    };

    private static bool IsBound(Socket socket)
    {
        try
        {
            return socket.LocalEndPoint switch
            {
                IPEndPoint ip => ip.Port != 0,
                UnixDomainSocketEndPoint unix => unix.ToString().Length > 0,
                _ => false,
            };
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsListening(Socket socket)
    {
        try
        {
            return socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection) is int accepting && accepting != 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
