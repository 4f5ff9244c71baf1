using System.Net;
using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>
/// One bridge, validated (SPEC 3). The running code takes this, never the
/// raw configuration.
/// </summary>
public sealed record BridgeOptions
{
    public required string Name { get; init; }

    /// <summary>The file that last defined a key of this bridge.</summary>
    public required string File { get; init; }

    /// <summary>
    /// Every endpoint of <c>Listen</c>, in the order written (one when it is a
    /// string): the bridge's connections on all of them share its limits,
    /// counters and access rules, and a handoff program gets their sockets in this order.
    /// </summary>
    public required IReadOnlyList<ListenEndpoint> Listen { get; init; }

    /// <summary>
    /// The bridge's settings as loaded (its merged keys, the resolved Exec and
    /// addresses): equal fingerprints mean a reload leaves the bridge alone.
    /// </summary>
    public string Fingerprint { get; init; } = string.Empty;

    public BridgeMode Mode { get; init; } = BridgeMode.Spawn;

    public ExecOptions? Exec { get; init; }

    public Endpoint? Target { get; init; }

    /// <summary>For a TCP <see cref="Target"/>: the addresses to try in order, resolved at load.</summary>
    public IReadOnlyList<IPEndPoint> TargetAddresses { get; init; } = [];

    /// <summary>Forward: how long to wait for Target to accept.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Forward with Exec: stop the on-demand backend after this long without connections; null never.</summary>
    public TimeSpan? ExitIdleTime { get; init; }

    /// <summary>Forward: the PROXY protocol header sent to Target before any client byte.</summary>
    public ProxyProtocolVersion ProxyProtocol { get; init; }

    /// <summary>Forward: close a connection after this long with no bytes either way; null never.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary><c>Environment</c> and then <c>PassEnvironment</c>, as KEY=VALUE.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>How many of <see cref="Environment"/> come from the <c>Environment</c> key (the rest are passed).</summary>
    public int ConfiguredVariables { get; init; }

    public string WorkingDirectory { get; init; } = "/";

    /// <summary>The <c>User</c> and <c>Group</c> to run programs as; null runs them as the daemon.</summary>
    public Credentials? Credentials { get; init; }

    /// <summary><c>User</c> as written, for messages; null when not set.</summary>
    public string? User { get; init; }

    /// <summary><c>Group</c> as written, for messages; null when not set.</summary>
    public string? Group { get; init; }

    public uint SocketMode { get; init; } = 0x1B0; // 0660

    public uint? SocketUid { get; init; }

    public uint? SocketGid { get; init; }

    /// <summary>MaxConnections of a spawn (and handoff) bridge when the key is not set: systemd's Accept=yes default; each is a process.</summary>
    public const int DefaultMaxConnections = 64;

    /// <summary>
    /// MaxConnections of a forward bridge when the key is not set. A
    /// forwarded connection is two sockets (and, moving bulk, two pipes) in
    /// the daemon, no process, and it counts until both sides have closed,
    /// so a client that reconnects its whole pool (redis-benchmark's 50)
    /// briefly holds twice as many: 64 refused them. Within the descriptors
    /// the daemon has (it raises its soft open-file limit to the hard one,
    /// 524288 under systemd) even at six each.
    /// </summary>
    public const int DefaultForwardMaxConnections = 4096;

    public int Backlog { get; init; } = 4096;

    public int MaxConnections { get; init; } = DefaultMaxConnections;

    /// <summary>
    /// What a new client meets once MaxConnections are open: refused, or left
    /// in the listen backlog until one ends. Queue by default for a forward
    /// bridge on a socket, refuse otherwise.
    /// </summary>
    public OnLimitPolicy OnLimit { get; init; } = OnLimitPolicy.Refuse;

    /// <summary>Connections at once per client IP address (TCP) or uid (Unix); null for no limit.</summary>
    public int? MaxConnectionsPerSource { get; init; }

    /// <summary>New connections allowed per period, with as many as the burst; null for no limit.</summary>
    public Access.RateLimit? RateLimit { get; init; }

    /// <summary>AllowFrom, DenyFrom, AllowUsers and AllowGroups, resolved at load.</summary>
    public Access.AccessPolicy Access { get; init; } = SocketBridge.Access.AccessPolicy.Everyone;

    public StandardErrorMode StandardError { get; init; } = StandardErrorMode.Journal;

    /// <summary>
    /// The socket options of the bridge's listening sockets (ReusePort,
    /// KeepAlive...), all of them; each endpoint of <see cref="Listen"/>
    /// carries the part that applies to it.
    /// </summary>
    public SocketOptions SocketOptions { get; init; } = SocketOptions.None;

    /// <summary>Handoff: the socket also on stdin and stdout (inetd's wait services), or /dev/null and the log.</summary>
    public StandardInputMode StandardInput { get; init; } = StandardInputMode.Null;

    public bool NoDelay { get; init; } = true;
}
