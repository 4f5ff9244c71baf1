using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Processes;

/// <summary>
/// The environment of every program the daemon launches (SPEC 5, the child
/// contract): <c>PATH</c> unless the bridge's <c>Environment</c> sets it, the
/// bridge's <c>Environment</c> and <c>PassEnvironment</c>, then the daemon's
/// own variables, one named constructor a use:
/// <code>
/// variable                              connection        handoff              FIFO session     backend
/// LISTEN_FDS, LISTEN_FDNAMES            1, connection     n, name:name:...     -                -
/// LISTEN_PID                            own pid           own pid              -                -
/// UPSTART_EVENTS, UPSTART_FDS, _JOB     socket, 3, name   socket, 3, name      -                -
/// PROTO                                 client's family   first socket's       -                -
/// PORT and ADDR, or SOCKET_PATH         its listener      first socket's       -                -
/// REMOTE_*, TCPREMOTE*, TCPLOCAL*       the client        -                    -                -
/// FIFO_PATH                             -                 -                    the FIFO's path  -
/// SOCKETBRIDGE_BRIDGE                   name              name                 name             name
/// SOCKETBRIDGE_CONNECTION_ID            the connection's  the launch's         the session's    -
/// </code>
/// LISTEN_PID is set in the child itself (<c>SpawnSpec.SetListenPid</c>).
/// Every one of these names is reserved (Configuration/ReservedVariables):
/// configuration may not set it. What is the same for every launch of a
/// bridge is built once (<see cref="Fixed"/>); a launch adds only its own.
/// The order within each use is the one programs have always seen.
/// </summary>
internal sealed class ChildEnvironment
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly string[] _fixed;

    /// <summary>The listener whose variables <see cref="ListenerVariables"/> formatted last, with them.</summary>
    private volatile ListenerEntry? _lastListener;

    private ChildEnvironment(List<string> variables) => _fixed = [.. variables];

    /// <summary>Every launch's variables, in order; all of a backend's.</summary>
    public IReadOnlyList<string> Fixed => _fixed;

    /// <summary>A spawn bridge's program, one a connection: completed by <see cref="For(Connection)"/>.</summary>
    public static ChildEnvironment ForConnection(string bridge, IReadOnlyList<string> environment)
    {
        List<string> variables = Base(environment);
        variables.Add("LISTEN_FDS=1");
        variables.Add("LISTEN_FDNAMES=connection");
        variables.Add("UPSTART_EVENTS=socket");
        variables.Add("UPSTART_FDS=3");
        variables.Add($"UPSTART_JOB={bridge}");
        variables.Add($"SOCKETBRIDGE_BRIDGE={bridge}");
        return new ChildEnvironment(variables);
    }

    /// <summary>
    /// A handoff bridge's program, given <paramref name="listeners"/> from fd
    /// 3 on: LISTEN_FDNAMES names each after the bridge, as systemd names
    /// every descriptor of a socket unit after the unit; PROTO and the address
    /// variables describe the first, where UPSTART_FDS points. Completed by <see cref="ForSession"/>.
    /// </summary>
    public static ChildEnvironment ForHandoff(string bridge, IReadOnlyList<string> environment, IReadOnlyList<BoundListener> listeners)
    {
        List<string> variables = Base(environment);
        variables.Add($"SOCKETBRIDGE_BRIDGE={bridge}");
        variables.Add("UPSTART_EVENTS=socket");
        variables.Add("UPSTART_FDS=3");
        variables.Add($"UPSTART_JOB={bridge}");
        variables.Add(Invariant($"LISTEN_FDS={listeners.Count}"));
        variables.Add($"LISTEN_FDNAMES={string.Join(':', Enumerable.Repeat(bridge, listeners.Count))}");
        variables.Add($"PROTO={Protocol(listeners[0].LocalEndPoint.AddressFamily)}");
        AddListenerVariables(variables, listeners[0]);
        return new ChildEnvironment(variables);
    }

    /// <summary>A FIFO session's program (spawn on a <c>fifo:</c> Listen): no socket, so no LISTEN_*, UPSTART_*, PROTO or address. Completed by <see cref="ForSession"/>.</summary>
    public static ChildEnvironment ForFifoSession(string bridge, IReadOnlyList<string> environment, string fifoPath)
    {
        List<string> variables = Base(environment);
        variables.Add($"SOCKETBRIDGE_BRIDGE={bridge}");
        variables.Add($"FIFO_PATH={fifoPath}");
        return new ChildEnvironment(variables);
    }

    /// <summary>A forward bridge's on-demand backend: <see cref="Fixed"/> is all of it.</summary>
    public static ChildEnvironment ForBackend(string bridge, IReadOnlyList<string> environment)
    {
        List<string> variables = Base(environment);
        variables.Add($"SOCKETBRIDGE_BRIDGE={bridge}");
        return new ChildEnvironment(variables);
    }

    /// <summary>Every variable of a program launched for one connection, without LISTEN_PID (set in the child itself).</summary>
    public string[] For(Connection connection)
    {
        PeerInfo peer = connection.Peer;
        string[] listening = ListenerVariables(connection.Listener);
        int count = _fixed.Length + 2 + listening.Length
            + (peer.Remote is null ? 0 : 4) + (peer.Local is null ? 0 : 2) + (peer.Credentials is null ? 0 : 3);
        // One array of the exact size, and each address and port formatted
        // once: this runs for every connection (issue 21).
        var variables = new string[count];
        int n = 0;
        _fixed.CopyTo(variables, 0);
        n += _fixed.Length;
        variables[n++] = "SOCKETBRIDGE_CONNECTION_ID=" + connection.Id;
        variables[n++] = "PROTO=" + peer.Protocol;
        listening.CopyTo(variables, n);
        n += listening.Length;

        if (peer.Remote is { } remote)
        {
            string address = remote.Address.ToString();
            string port = remote.Port.ToString(CultureInfo.InvariantCulture);
            variables[n++] = "REMOTE_ADDR=" + address;
            variables[n++] = "REMOTE_PORT=" + port;
            variables[n++] = "TCPREMOTEIP=" + address;
            variables[n++] = "TCPREMOTEPORT=" + port;
        }

        if (peer.Local is { } local)
        {
            variables[n++] = "TCPLOCALIP=" + local.Address.ToString();
            variables[n++] = "TCPLOCALPORT=" + local.Port.ToString(CultureInfo.InvariantCulture);
        }

        if (peer.Credentials is { } c)
        {
            variables[n++] = Invariant($"REMOTE_UID={c.Uid}");
            variables[n++] = Invariant($"REMOTE_GID={c.Gid}");
            variables[n++] = Invariant($"REMOTE_PID={c.Pid}");
        }

        return variables;
    }

    /// <summary>Every variable of one launch of a handoff program or one FIFO session, whose id is <paramref name="id"/>.</summary>
    public string[] ForSession(string id) => [.. _fixed, $"SOCKETBRIDGE_CONNECTION_ID={id}"];

    /// <summary>PROTO's value for a socket of <paramref name="family"/>.</summary>
    public static string Protocol(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => "inet",
        AddressFamily.InterNetworkV6 => "inet6",
        _ => "unix",
    };

    /// <summary>PATH unless Environment sets it, then Environment and PassEnvironment.</summary>
    private static List<string> Base(IReadOnlyList<string> environment)
    {
        var variables = new List<string>(environment.Count + 12);
        if (!environment.Any(v => v.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            variables.Add(DefaultPath);
        }

        variables.AddRange(environment);
        return variables;
    }

    /// <summary>
    /// PORT and ADDR, or SOCKET_PATH, of <paramref name="listener"/>: the
    /// same for each of its connections, so formatted once. The last
    /// listener's, for a bridge has few and a connection most often comes
    /// through the same one as the one before; two threads may both format
    /// them, alike.
    /// </summary>
    private string[] ListenerVariables(BoundListener listener)
    {
        ListenerEntry? last = _lastListener;
        if (last is not null && ReferenceEquals(last.Listener, listener))
        {
            return last.Variables;
        }

        var variables = new List<string>(2);
        AddListenerVariables(variables, listener);
        string[] formatted = [.. variables];
        _lastListener = new ListenerEntry(listener, formatted);
        return formatted;
    }

    /// <summary>PORT and ADDR, or SOCKET_PATH: where the listening socket is.</summary>
    private static void AddListenerVariables(List<string> variables, BoundListener listener)
    {
        if (listener.LocalEndPoint is IPEndPoint listening)
        {
            variables.Add(Invariant($"PORT={listening.Port}"));
            variables.Add($"ADDR={Unmapped(listening.Address)}");
        }
        else if (listener.UnixPath is { } path)
        {
            variables.Add($"SOCKET_PATH={path}");
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed record ListenerEntry(BoundListener Listener, string[] Variables);
}
