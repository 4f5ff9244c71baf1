using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// Every key of a bridge (SPEC 3, the README's "Bridge keys" table), with
/// the modes and endpoint kinds it applies to: the reader checks keys
/// against it, the importers and <c>serve</c> write its names, and "did you
/// mean" suggests from it. Finer rules (a socket file needs a path, a
/// datagram socket works in handoff mode only...) are the validators'.
/// </summary>
internal static class BridgeKeys
{
    private const BridgeModes AnyMode = BridgeModes.All;
    private const EndpointKinds Any = EndpointKinds.All;

    private static readonly KeyDocumentation SocketOwnerDoc = new KeyDocumentation("string", "the daemon's", "owner and group of the socket file or FIFO (names)");

    private static readonly KeyDocumentation AddressListDoc = new KeyDocumentation("array of strings", "everyone", "arrays of addresses or CIDR ranges (`\"10.0.0.0/8\"`, `\"2001:db8::/32\"`, `\"192.0.2.7\"`) for TCP clients, checked before anything is launched or connected. `DenyFrom` wins; a non-empty `AllowFrom` refuses everyone it does not list. An IPv4 client of a `tcp:*` bridge is matched as IPv4");

    private static readonly KeyDocumentation CredentialListDoc = new KeyDocumentation("array of strings", "everyone", "arrays of user and group names or numbers for Unix-socket clients: the client's uid (or its primary gid), from `SO_PEERCRED`, must be listed");

    private static readonly KeyDocumentation ResourceLimitDoc = new KeyDocumentation("integer or string", "`LimitNOFILE` 1024 (soft; the daemon's hard limit), the rest the daemon's", "the program's resource limits, as systemd's `LimitNOFILE=`... ([limits and sandboxing](#limits-and-sandboxing)): one value for the soft and the hard limit, or `\"SOFT:HARD\"`; each a number, `\"infinity\"`, or for `LimitAS`, `LimitDATA`, `LimitCORE`, `LimitFSIZE`, `LimitSTACK` bytes with `K`, `M`, `G` (base 1024): `\"256M\"`. `LimitCPU` is in CPU seconds, `LimitNPROC` counts every process of the program's `User`. A hard limit above the daemon's own is refused unless the daemon has `CAP_SYS_RESOURCE`");

    private static readonly KeyDocumentation BufferDoc = new KeyDocumentation("integer or size string", "the kernel's", "`SO_RCVBUF`, `SO_SNDBUF` of TCP sockets, in bytes or with `K`, `M`, `G` (base 1024): `\"256K\"`. Accepted connections take them from the listening socket");

    private static readonly KeyDocumentation KeepAliveTuningDoc = new KeyDocumentation("duration (KeepAliveProbes: integer)", "the kernel's (`net.ipv4.tcp_keepalive_*`)", "`TCP_KEEPIDLE`, `TCP_KEEPINTVL` ([durations](#durations), in whole seconds, 1 s to 32767 s) and `TCP_KEEPCNT` (1 to 127); setting one turns `KeepAlive` on");

    public static readonly BridgeKey Listen = new("Listen", AnyMode, Any, new KeyDocumentation("endpoint, or array of endpoints", "required", "the [endpoint](#endpoints) to listen on, or an array of them, as a `.socket` unit takes several `ListenStream=`: `[\"tcp:127.0.0.1:80\", \"tcp:[::1]:80\", \"unix:/run/web.sock\"]` (see [Several endpoints](#several-endpoints))"));
    public static readonly BridgeKey Mode = new("Mode", AnyMode, Any, new KeyDocumentation("string", "`forward` when `Target` is set, else `spawn`", "`spawn`, `handoff` or `forward` ([modes](#modes))"));
    public static readonly BridgeKey Exec = new("Exec", AnyMode, Any, new KeyDocumentation("array of strings", "required for `spawn` and `handoff`", "the program, as an argv array: `[\"/usr/bin/cat\"]`, `[\"sh\", \"-c\", \"...\"]`. Element 0 is an absolute path, or a name looked up in the daemon's `PATH` when the configuration is loaded; it must exist and be executable, by `User` too. In forward mode, an optional on-demand backend"));
    public static readonly BridgeKey Target = new("Target", BridgeModes.Forward, Any, new KeyDocumentation("endpoint", "required for `forward`", "forward: the `tcp:HOST:PORT`, `unix:/path`, `unix:@name`, `unix-seqpacket:/path` (or `@name`) or `fifo:/path` endpoint to connect to for each connection (a host name is resolved at load). A seqpacket `Listen` forwards to a `unix-seqpacket:` `Target` only, and a stream `Listen` to a stream `Target` (see [forward](#modes))"));
    public static readonly BridgeKey Environment = new("Environment", AnyMode, Any, new KeyDocumentation("object of strings", "none", "object of extra variables for the program: `{\"LANG\": \"C.UTF-8\"}`. May set `PATH`; may not set a variable of the [child contract](#the-child-contract), nor `FIFO_PATH` (a FIFO session's, see [FIFOs](#fifos)). Each variable at most 128 KiB (`NAME=value`, `MAX_ARG_STRLEN`), and all of them with `PassEnvironment`, `Exec` and the contract's variables within what `execve(2)` takes (`ARG_MAX`, 2 MiB with the usual 8 MiB stack limit), or the configuration is refused"));
    public static readonly BridgeKey PassEnvironment = new("PassEnvironment", AnyMode, Any, new KeyDocumentation("array of strings", "none", "array of names of variables copied from the daemon's own environment (when it has them), as it is when the configuration is loaded"));
    public static readonly BridgeKey WorkingDirectory = new("WorkingDirectory", AnyMode, Any, new KeyDocumentation("string (absolute path)", "`\"/\"`", "the program's working directory, an existing absolute path that `User` may enter"));
    public static readonly BridgeKey User = new("User", AnyMode, Any, new KeyDocumentation("string", "the daemon's user, when it is not root", "run the program as this user (name or number), with that user's primary group and supplementary groups. **Required when the daemon runs as root** for a bridge that launches a program (spawn, handoff, forward with `Exec`); `\"root\"` keeps root, explicitly"));
    public static readonly BridgeKey Group = new("Group", AnyMode, Any, new KeyDocumentation("string", "`User`'s primary group, else the daemon's", "run the program with this group (name)"));
    public static readonly BridgeKey SocketMode = new("SocketMode", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Fifo, new KeyDocumentation("octal string", "`\"0660\"`", "permissions of the Unix socket file (of any type: `unix:`, `unix-dgram:`, `unix-seqpacket:`) or FIFO the daemon creates, an [octal string](#octal-modes)"), FileOnly: true);
    public static readonly BridgeKey SocketUser = new("SocketUser", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Fifo, SocketOwnerDoc, FileOnly: true);
    public static readonly BridgeKey SocketGroup = new("SocketGroup", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Fifo, SocketOwnerDoc, FileOnly: true);
    public static readonly BridgeKey Backlog = new("Backlog", AnyMode, Any, new KeyDocumentation("integer", "`4096`", "listen backlog, 1 to 65535"));
    public static readonly BridgeKey MaxConnections = new("MaxConnections", AnyMode, Any, new KeyDocumentation("integer", "spawn `64`, forward `4096`", "connections at once (spawn: live programs; forward: until both sides have closed), 1 to 1000000; what a client beyond it meets is `OnLimit`'s choice ([At the limit](#at-the-limit))"));
    public static readonly BridgeKey OnLimit = new("OnLimit", BridgeModes.Accepting, Any, new KeyDocumentation("string", "forward `queue`, spawn `refuse`", "`refuse`: a client beyond `MaxConnections` is accepted and closed at once, counted and logged as refused; `queue`: the bridge stops accepting until a connection ends, so new clients wait in the listen backlog (`Backlog`), as under `tcpserver -c`, and nothing is refused. Spawn and forward on sockets; an error for handoff and, as `queue`, for a `fifo:` `Listen`"));
    public static readonly BridgeKey MaxConnectionsPerSource = new("MaxConnectionsPerSource", BridgeModes.Accepting, Any & ~EndpointKinds.Fifo, new KeyDocumentation("integer", "unlimited", "connections at once per client IP address (TCP) or per uid (Unix); beyond it a new connection from that source is refused while others are served"));
    public static readonly BridgeKey RateLimit = new("RateLimit", BridgeModes.Accepting, Any & ~EndpointKinds.Fifo, new KeyDocumentation("string", "unlimited", "new connections allowed, `\"20/s\"`, `\"100/min\"` or `\"1000/h\"`, with that many as burst (a token bucket); beyond it connections are refused until the rate falls again, never a lasting stop of the bridge"));
    public static readonly BridgeKey AllowFrom = new("AllowFrom", BridgeModes.Accepting, EndpointKinds.Tcp | EndpointKinds.Passed, AddressListDoc);
    public static readonly BridgeKey DenyFrom = new("DenyFrom", BridgeModes.Accepting, EndpointKinds.Tcp | EndpointKinds.Passed, AddressListDoc);
    public static readonly BridgeKey AllowUsers = new("AllowUsers", BridgeModes.Accepting, EndpointKinds.UnixSockets | EndpointKinds.Passed, CredentialListDoc);
    public static readonly BridgeKey AllowGroups = new("AllowGroups", BridgeModes.Accepting, EndpointKinds.UnixSockets | EndpointKinds.Passed, CredentialListDoc);
    public static readonly BridgeKey IdleTimeout = new("IdleTimeout", BridgeModes.Forward, Any, new KeyDocumentation("duration", "none", "forward: close a connection after this long with no byte either way"));
    public static readonly BridgeKey ConnectTimeout = new("ConnectTimeout", BridgeModes.Forward, Any, new KeyDocumentation("duration", "`\"00:00:05\"`", "forward: how long to wait for `Target` to accept (with an on-demand backend: for it to start and accept)"));
    public static readonly BridgeKey ExitIdleTime = new("ExitIdleTime", BridgeModes.Forward, Any, new KeyDocumentation("duration", "none", "forward with `Exec`: stop the on-demand backend after this long without connections"));
    public static readonly BridgeKey ProxyProtocol = new("ProxyProtocol", BridgeModes.Forward, Any & ~EndpointKinds.Fifo, new KeyDocumentation("string", "none", "forward: send a PROXY protocol header, `v1` or `v2`, to `Target` before any client byte, so the backend sees the real client (an IPv4 client of a `tcp:*` bridge as IPv4, a link-local IPv6 client without its `%zone`). A Unix-socket client has no address to tell: v1 sends `PROXY UNKNOWN`, v2 the `LOCAL` command, which every receiver must accept; the backend then sees the daemon's own connection (haproxy's `src`) or no address (nginx's `$proxy_protocol_addr` is empty). Tested against haproxy (`bind ... accept-proxy`) and nginx (`listen ... proxy_protocol`)"));
    public static readonly BridgeKey StandardError = new("StandardError", AnyMode, Any, new KeyDocumentation("string", "`journal`", "the program's stderr: `journal` (logged by the daemon line by line, with the connection's bridge, id and child pid), `socket` (the connection, like stdout; spawn only) or `null` (`/dev/null`). A handoff program's or on-demand backend's stdout goes the same way"));
    public static readonly BridgeKey NoDelay = new("NoDelay", AnyMode, Any, new KeyDocumentation("boolean", "`true`", "`TCP_NODELAY` on accepted TCP connections"));
    public static readonly BridgeKey StandardInput = new("StandardInput", BridgeModes.Handoff, Any, new KeyDocumentation("string", "`null`", "handoff: the program's stdin and stdout. `null`: stdin `/dev/null`, stdout to the log (as `StandardError` says); `socket`: the listening socket (the first one, with [several](#several-endpoints)) on fds 0 and 1 as well as on fd 3, the way inetd starts its `wait` services (`in.tftpd` reads its datagrams from fd 0), and as systemd's `StandardInput=socket`. Refused in spawn and forward mode"));

    /// <summary>SO_KEEPALIVE, named for the importers, which translate xinetd's KEEPALIVE flag to it.</summary>
    public static readonly BridgeKey KeepAlive = new("KeepAlive", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, new KeyDocumentation("boolean", "`false`", "`SO_KEEPALIVE` on the bridge's TCP connections (set on the listening socket, which they inherit: handoff programs' connections too)"));

    /// <summary>The resource limits of launched programs (systemd.exec(5)'s names), in <see cref="ResourceLimitKey.All"/>'s order.</summary>
    public static readonly IReadOnlyList<BridgeKey> ResourceLimits =
    [
        new("LimitNOFILE", AnyMode, Any, ResourceLimitDoc),
        new("LimitNPROC", AnyMode, Any, ResourceLimitDoc),
        new("LimitAS", AnyMode, Any, ResourceLimitDoc),
        new("LimitDATA", AnyMode, Any, ResourceLimitDoc),
        new("LimitCPU", AnyMode, Any, ResourceLimitDoc),
        new("LimitCORE", AnyMode, Any, ResourceLimitDoc),
        new("LimitFSIZE", AnyMode, Any, ResourceLimitDoc),
        new("LimitSTACK", AnyMode, Any, ResourceLimitDoc),
    ];

    public static readonly BridgeKey Nice = new("Nice", AnyMode, Any, new KeyDocumentation("integer", "the daemon's", "the program's nice value, -20 (most favoured) to 19; below 0 needs root"));
    public static readonly BridgeKey UMask = new("UMask", AnyMode, Any, new KeyDocumentation("octal string", "the daemon's", "the program's umask, an [octal string](#octal-modes) such as `\"0027\"`"));
    public static readonly BridgeKey NoNewPrivileges = new("NoNewPrivileges", AnyMode, Any, new KeyDocumentation("boolean", "`true`", "`PR_SET_NO_NEW_PRIVS`: a setuid or setgid program, or one with file capabilities, that the program runs gains nothing (see [why it is on](#limits-and-sandboxing))"));
    public static readonly BridgeKey RuntimeMax = new("RuntimeMax", AnyMode, Any, new KeyDocumentation("duration", "none", "a [duration](#durations): a program still running this long after its launch gets `SIGTERM` to its process group, and `SIGKILL` if it is still there `ShutdownTimeout` later; its exit entry says which it was sent"));
    public static readonly BridgeKey PrivateTmp = new("PrivateTmp", AnyMode, Any, new KeyDocumentation("boolean", "`false`", "`true`: the program gets an empty `/tmp` and `/var/tmp` of its own (a tmpfs in a mount namespace of its own), gone when it and its children have exited; it cannot see the host's, nor another program's. Needs root"));
    public static readonly BridgeKey PrivateNetwork = new("PrivateNetwork", AnyMode, Any, new KeyDocumentation("boolean", "`false`", "`true`: the program runs in a network namespace of its own with only loopback, up. It talks to its client through the sockets it was given, and can reach nothing else: not the host's ports on 127.0.0.1, not the network. Needs root"));

    /// <summary>The socket options (systemd.socket(5)'s names), in <see cref="SocketOptionScope.Keys"/>' order.</summary>
    public static readonly IReadOnlyList<BridgeKey> SocketOptions =
    [
        new("ReusePort", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, new KeyDocumentation("boolean", "`false`", "`SO_REUSEPORT` on the bridge's TCP sockets: other sockets with it (another socketbridge, another server of the same user) may listen on the same address and port, and the kernel spreads the connections over them ([socket options](#socket-options))")),
        new("FreeBind", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, new KeyDocumentation("boolean", "`false`", "`IP_FREEBIND`/`IPV6_FREEBIND`: listen on an address the machine does not have (yet)")),
        new("BindToDevice", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, new KeyDocumentation("string", "any", "`SO_BINDTODEVICE`: take only connections that came in through this network interface (a name, as `\"eth0\"`; it must exist when the configuration is loaded)")),
        new("BindIPv6Only", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, new KeyDocumentation("string", "`\"default\"`", "`IPV6_V6ONLY` of IPv6 sockets: `default` (`tcp:*` is dual-stack, a given IPv6 address IPv6 only), `both` (IPv4 clients too), `ipv6-only`")),
        new("DeferAccept", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, new KeyDocumentation("duration", "off", "`TCP_DEFER_ACCEPT`, a [duration](#durations): a TCP connection is handed on only once its first bytes came, or after about this long")),
        new("ReceiveBuffer", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp | EndpointKinds.UnixDgram | EndpointKinds.Passed, BufferDoc),
        new("SendBuffer", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp | EndpointKinds.UnixDgram | EndpointKinds.Passed, BufferDoc),
        new("Mark", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp | EndpointKinds.Passed, new KeyDocumentation("integer or string", "none", "`SO_MARK`, the firewall mark of the bridge's TCP packets, 0 to 4294967295 (`\"0x2a\"` in hexadecimal)")),
        KeepAlive,
        new("KeepAliveTime", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, KeepAliveTuningDoc),
        new("KeepAliveInterval", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, KeepAliveTuningDoc),
        new("KeepAliveProbes", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, KeepAliveTuningDoc),
        new("PassCredentials", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Passed, new KeyDocumentation("boolean", "`false`", "`SO_PASSCRED` on Unix sockets: each message a program receives carries the sender's pid, uid and gid (`SCM_CREDENTIALS`)")),
    ];

    /// <summary>Every key, in the order suggestions prefer them.</summary>
    public static readonly IReadOnlyList<BridgeKey> All =
    [
        Listen, Mode, Exec, Target, Environment, PassEnvironment, WorkingDirectory,
        User, Group, SocketMode, SocketUser, SocketGroup, Backlog, MaxConnections, OnLimit,
        MaxConnectionsPerSource, RateLimit, AllowFrom, DenyFrom, AllowUsers, AllowGroups,
        IdleTimeout, ConnectTimeout, ExitIdleTime, ProxyProtocol, StandardError, NoDelay,
        StandardInput, .. ResourceLimits, Nice, UMask, NoNewPrivileges, RuntimeMax, PrivateTmp, PrivateNetwork,
        .. SocketOptions,
    ];

    /// <summary>The keys' names, in the order of <see cref="All"/>.</summary>
    public static readonly IReadOnlyList<string> Names = [.. All.Select(k => k.Name)];

    /// <summary>The key named <paramref name="name"/> (case-sensitive, as JSON keys are), or null.</summary>
    public static BridgeKey? Find(string name) => All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal));
}
