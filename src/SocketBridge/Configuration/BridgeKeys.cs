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

    public static readonly BridgeKey Listen = new("Listen", AnyMode, Any, "the endpoint to listen on, or an array of them");
    public static readonly BridgeKey Mode = new("Mode", AnyMode, Any, "spawn, handoff or forward");
    public static readonly BridgeKey Exec = new("Exec", AnyMode, Any, "the program, as an argv array (in forward mode, an on-demand backend)");
    public static readonly BridgeKey Target = new("Target", BridgeModes.Forward, Any, "the endpoint to connect to for each connection");
    public static readonly BridgeKey Environment = new("Environment", AnyMode, Any, "extra variables for the program");
    public static readonly BridgeKey PassEnvironment = new("PassEnvironment", AnyMode, Any, "variables copied from the daemon's environment");
    public static readonly BridgeKey WorkingDirectory = new("WorkingDirectory", AnyMode, Any, "the program's working directory");
    public static readonly BridgeKey User = new("User", AnyMode, Any, "the user the program runs as");
    public static readonly BridgeKey Group = new("Group", AnyMode, Any, "the group the program runs with");
    public static readonly BridgeKey SocketMode = new("SocketMode", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Fifo, "permissions of the socket file or FIFO the daemon creates", FileOnly: true);
    public static readonly BridgeKey SocketUser = new("SocketUser", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Fifo, "owner of the socket file or FIFO", FileOnly: true);
    public static readonly BridgeKey SocketGroup = new("SocketGroup", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Fifo, "group of the socket file or FIFO", FileOnly: true);
    public static readonly BridgeKey Backlog = new("Backlog", AnyMode, Any, "the listen backlog");
    public static readonly BridgeKey MaxConnections = new("MaxConnections", AnyMode, Any, "connections (or programs, or FIFO sessions) at once");
    public static readonly BridgeKey OnLimit = new("OnLimit", BridgeModes.Accepting, Any, "what a client beyond MaxConnections meets: refuse or queue");
    public static readonly BridgeKey MaxConnectionsPerSource = new("MaxConnectionsPerSource", BridgeModes.Accepting, Any & ~EndpointKinds.Fifo, "connections at once per client address or uid");
    public static readonly BridgeKey RateLimit = new("RateLimit", BridgeModes.Accepting, Any & ~EndpointKinds.Fifo, "new connections allowed per second, minute or hour");
    public static readonly BridgeKey AllowFrom = new("AllowFrom", BridgeModes.Accepting, EndpointKinds.Tcp | EndpointKinds.Passed, "addresses or ranges of the TCP clients let in");
    public static readonly BridgeKey DenyFrom = new("DenyFrom", BridgeModes.Accepting, EndpointKinds.Tcp | EndpointKinds.Passed, "addresses or ranges of the TCP clients refused");
    public static readonly BridgeKey AllowUsers = new("AllowUsers", BridgeModes.Accepting, EndpointKinds.UnixSockets | EndpointKinds.Passed, "users of the Unix-socket clients let in");
    public static readonly BridgeKey AllowGroups = new("AllowGroups", BridgeModes.Accepting, EndpointKinds.UnixSockets | EndpointKinds.Passed, "groups of the Unix-socket clients let in");
    public static readonly BridgeKey IdleTimeout = new("IdleTimeout", BridgeModes.Forward, Any, "close a connection after this long with no byte either way");
    public static readonly BridgeKey ConnectTimeout = new("ConnectTimeout", BridgeModes.Forward, Any, "how long to wait for Target to accept");
    public static readonly BridgeKey ExitIdleTime = new("ExitIdleTime", BridgeModes.Forward, Any, "stop the on-demand backend after this long without connections");
    public static readonly BridgeKey ProxyProtocol = new("ProxyProtocol", BridgeModes.Forward, Any & ~EndpointKinds.Fifo, "send a PROXY protocol header, v1 or v2, to Target");
    public static readonly BridgeKey StandardError = new("StandardError", AnyMode, Any, "the program's stderr: journal, socket or null");
    public static readonly BridgeKey NoDelay = new("NoDelay", AnyMode, Any, "TCP_NODELAY on accepted TCP connections");
    public static readonly BridgeKey StandardInput = new("StandardInput", BridgeModes.Handoff, Any, "a handoff program's stdin and stdout: null or socket");

    /// <summary>SO_KEEPALIVE, named for the importers, which translate xinetd's KEEPALIVE flag to it.</summary>
    public static readonly BridgeKey KeepAlive = new("KeepAlive", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, "SO_KEEPALIVE");

    /// <summary>The resource limits of launched programs (systemd.exec(5)'s names), in <see cref="ResourceLimitKey.All"/>'s order.</summary>
    public static readonly IReadOnlyList<BridgeKey> ResourceLimits =
    [
        new("LimitNOFILE", AnyMode, Any, "the program's open-file limit (RLIMIT_NOFILE); 1024 when not set"),
        new("LimitNPROC", AnyMode, Any, "processes of the program's User at once (RLIMIT_NPROC)"),
        new("LimitAS", AnyMode, Any, "the program's address space (RLIMIT_AS)"),
        new("LimitDATA", AnyMode, Any, "the program's data segment and heap (RLIMIT_DATA)"),
        new("LimitCPU", AnyMode, Any, "CPU seconds: SIGXCPU at the soft limit, SIGKILL at the hard one (RLIMIT_CPU)"),
        new("LimitCORE", AnyMode, Any, "the size of the program's core dumps (RLIMIT_CORE)"),
        new("LimitFSIZE", AnyMode, Any, "the largest file the program may write (RLIMIT_FSIZE)"),
        new("LimitSTACK", AnyMode, Any, "the program's stack (RLIMIT_STACK)"),
    ];

    public static readonly BridgeKey Nice = new("Nice", AnyMode, Any, "the program's nice value, -20 to 19");
    public static readonly BridgeKey UMask = new("UMask", AnyMode, Any, "the program's umask, an octal string");
    public static readonly BridgeKey NoNewPrivileges = new("NoNewPrivileges", AnyMode, Any, "no setuid program or file capability gives the program more (true unless set false)");
    public static readonly BridgeKey RuntimeMax = new("RuntimeMax", AnyMode, Any, "SIGTERM to the program's group after this long, SIGKILL after ShutdownTimeout more");
    public static readonly BridgeKey PrivateTmp = new("PrivateTmp", AnyMode, Any, "an empty /tmp and /var/tmp of the program's own, gone when it exits");
    public static readonly BridgeKey PrivateNetwork = new("PrivateNetwork", AnyMode, Any, "a network of the program's own with only loopback: it reaches its client through its socket, and nothing else");

    /// <summary>The socket options (systemd.socket(5)'s names), in <see cref="SocketOptionScope.Keys"/>' order.</summary>
    public static readonly IReadOnlyList<BridgeKey> SocketOptions =
    [
        new("ReusePort", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, "SO_REUSEPORT"),
        new("FreeBind", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, "IP_FREEBIND, IPV6_FREEBIND"),
        new("BindToDevice", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, "SO_BINDTODEVICE"),
        new("BindIPv6Only", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp, "IPV6_V6ONLY of IPv6 sockets"),
        new("DeferAccept", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, "TCP_DEFER_ACCEPT"),
        new("ReceiveBuffer", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp | EndpointKinds.UnixDgram | EndpointKinds.Passed, "SO_RCVBUF"),
        new("SendBuffer", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp | EndpointKinds.UnixDgram | EndpointKinds.Passed, "SO_SNDBUF"),
        new("Mark", AnyMode, EndpointKinds.Tcp | EndpointKinds.Udp | EndpointKinds.Passed, "SO_MARK"),
        KeepAlive,
        new("KeepAliveTime", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, "TCP_KEEPIDLE"),
        new("KeepAliveInterval", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, "TCP_KEEPINTVL"),
        new("KeepAliveProbes", AnyMode, EndpointKinds.Tcp | EndpointKinds.Passed, "TCP_KEEPCNT"),
        new("PassCredentials", AnyMode, EndpointKinds.UnixSockets | EndpointKinds.Passed, "SO_PASSCRED"),
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
