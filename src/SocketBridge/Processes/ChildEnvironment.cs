using System.Globalization;
using System.Net;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Processes;

/// <summary>
/// The environment of a program launched for a connection (SPEC 5, spawn):
/// PATH, the bridge's Environment and PassEnvironment, and the protocol
/// variables. What is the same for every connection is built once.
/// </summary>
public sealed class ChildEnvironment
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly string[] _common;

    public ChildEnvironment(BridgeOptions bridge)
    {
        var common = new List<string>();
        if (!bridge.Environment.Any(v => v.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            common.Add(DefaultPath);
        }

        common.AddRange(bridge.Environment);
        common.Add("LISTEN_FDS=1");
        common.Add("LISTEN_FDNAMES=connection");
        common.Add("UPSTART_EVENTS=socket");
        common.Add("UPSTART_FDS=3");
        common.Add($"UPSTART_JOB={bridge.Name}");
        common.Add($"SOCKETBRIDGE_BRIDGE={bridge.Name}");
        _common = [.. common];
    }

    /// <summary>Every variable for one connection, without LISTEN_PID (set in the child itself).</summary>
    public List<string> For(Connection connection)
    {
        var variables = new List<string>(_common.Length + 12);
        variables.AddRange(_common);
        variables.Add($"SOCKETBRIDGE_CONNECTION_ID={connection.Id}");
        PeerInfo peer = connection.Peer;
        variables.Add($"PROTO={peer.Protocol}");
        AddListenerVariables(variables, connection.Listener);

        if (peer.Remote is { } remote)
        {
            variables.Add($"REMOTE_ADDR={remote.Address}");
            variables.Add(Invariant($"REMOTE_PORT={remote.Port}"));
            variables.Add($"TCPREMOTEIP={remote.Address}");
            variables.Add(Invariant($"TCPREMOTEPORT={remote.Port}"));
        }

        if (peer.Local is { } local)
        {
            variables.Add($"TCPLOCALIP={local.Address}");
            variables.Add(Invariant($"TCPLOCALPORT={local.Port}"));
        }

        if (peer.Credentials is { } c)
        {
            variables.Add(Invariant($"REMOTE_UID={c.Uid}"));
            variables.Add(Invariant($"REMOTE_GID={c.Gid}"));
            variables.Add(Invariant($"REMOTE_PID={c.Pid}"));
        }

        return variables;
    }

    /// <summary>PORT and ADDR, or SOCKET_PATH: where the listening socket is.</summary>
    public static void AddListenerVariables(List<string> variables, BoundListener listener)
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
}
