using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>
/// A listening socket a bridge owns, and the socket file it created (if
/// any), which it removes when disposed, but only if that name still holds
/// the very file it created (SPEC 8).
/// </summary>
internal sealed class BoundListener : IListener
{
    private readonly CreatedNode? _created;

    /// <summary>The socket file the daemon made for it, if it did (removed when it closes).</summary>
    public CreatedNode? Created => _created;
    private int _disposed;

    public BoundListener(Socket socket, Endpoint endpoint, CreatedNode? created = null, string? inheritedName = null)
    {
        Socket = socket;
        Endpoint = endpoint;
        _created = created;
        InheritedName = inheritedName;
        LocalEndPoint = socket.LocalEndPoint!;
        UnixPath = endpoint switch
        {
            UnixEndpoint unix => unix.Path,
            _ when LocalEndPoint is UnixDomainSocketEndPoint bound => UnixSocketPath(bound),
            _ => null,
        };
    }

    public Socket Socket { get; }

    /// <summary>The configured endpoint this socket serves.</summary>
    public Endpoint Endpoint { get; }

    /// <summary>The address actually bound (getsockname).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The path of a Unix socket ('@' for abstract) as clients reach it; null for TCP.</summary>
    public string? UnixPath { get; }

    /// <summary>
    /// What setting its socket options left to say (a buffer size the kernel
    /// capped...), until the bridge that starts serving it logs them (<see cref="TakeNotes"/>).
    /// </summary>
    public IReadOnlyList<string> Notes
    {
        init => _notes = value;
    }

    private IReadOnlyList<string> _notes = [];

    /// <summary>The notes not logged yet, once.</summary>
    public IReadOnlyList<string> TakeNotes() => Interlocked.Exchange(ref _notes, []);

    /// <summary>Notes of a reload that set the options of the kept socket again, for the bridge that takes it over to log.</summary>
    public void AddNotes(IReadOnlyList<string> notes)
    {
        if (notes.Count > 0)
        {
            IReadOnlyList<string> before, after;
            do
            {
                before = Volatile.Read(ref _notes);
                after = [.. before, .. notes];
            }
            while (Interlocked.CompareExchange(ref _notes, after, before) != before);
        }
    }

    /// <summary>The name the service manager passed the socket with, when it was inherited rather than bound.</summary>
    public string? InheritedName { get; }

    /// <summary>A datagram socket (udp:, unix-dgram:): no connections, handoff only.</summary>
    public bool IsDatagram => Socket.SocketType == SocketType.Dgram;

    /// <summary>How logs and <c>status</c> show this socket: the bound address for TCP and UDP, else the endpoint.</summary>
    public string Display
    {
        get
        {
            string address = LocalEndPoint is IPEndPoint ip ? InetDisplay(ip, Socket.SocketType)
                : UnixPath is null ? Endpoint.ToString()!
                : $"{UnixEndpoint.SchemeOf(Socket.SocketType)}:{UnixPath}";
            return InheritedName is null ? address : $"{address} (passed by systemd as {InheritedName})";
        }
    }

    /// <summary>A Unix socket address as text, '@' marking the abstract namespace.</summary>
    public static string UnixSocketPath(UnixDomainSocketEndPoint endpoint)
    {
        string path = endpoint.ToString();
        return path.Length > 0 && path[0] == '\0' ? "@" + path[1..] : path;
    }

    /// <summary>Closes the socket; idempotent. The file stays until <see cref="Dispose"/>.</summary>
    public void Close()
    {
        Socket.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Socket.Dispose();
        _created?.Remove();
    }

    /// <summary>An IP socket's address as an endpoint: <c>tcp:</c>, or <c>udp:</c> for a datagram socket.</summary>
    public static string InetDisplay(IPEndPoint ip, SocketType type)
    {
        string scheme = type == SocketType.Dgram ? "udp" : "tcp";
        return ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"{scheme}:[{ip.Address}]:{ip.Port}" : $"{scheme}:{ip.Address}:{ip.Port}";
    }
}
