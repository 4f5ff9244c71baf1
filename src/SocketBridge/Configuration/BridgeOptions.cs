namespace SocketBridge.Configuration;

/// <summary>
/// One bridge, validated (SPEC 3). The running code takes this, never the
/// raw configuration. Its parts follow its mode: every bridge listens
/// (<see cref="Listen"/>); a spawn or handoff bridge has a
/// <see cref="Program"/>, and a forward bridge a <see cref="Forward"/>
/// part, with a <see cref="Program"/> only for an on-demand backend.
/// </summary>
internal sealed record BridgeOptions
{
    public required string Name { get; init; }

    /// <summary>The file that last defined a key of this bridge.</summary>
    public required string File { get; init; }

    /// <summary>Where and how the bridge listens: its endpoints, socket files, backlog and socket options.</summary>
    public required ListenOptions Listen { get; init; }

    /// <summary>
    /// The bridge's settings as loaded (its merged keys, the resolved Exec and
    /// addresses): equal fingerprints mean a reload leaves the bridge alone.
    /// </summary>
    public string Fingerprint { get; init; } = string.Empty;

    public BridgeMode Mode { get; init; } = BridgeMode.Spawn;

    /// <summary>
    /// The program the bridge launches: set in spawn and handoff mode (Exec
    /// is required there), and in forward mode for an on-demand backend.
    /// </summary>
    public ProgramOptions? Program { get; init; }

    /// <summary>Forward mode's Target and timeouts: set in forward mode only.</summary>
    public ForwardOptions? Forward { get; init; }

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

    public bool NoDelay { get; init; } = true;
}
