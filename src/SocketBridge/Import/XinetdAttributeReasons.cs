using System.Collections.Frozen;

namespace SocketBridge.Import;

/// <summary>Why an xinetd attribute (xinetd.conf(5)) or flag has no SocketBridge equivalent, and what to do instead.</summary>
internal static class XinetdAttributeReasons
{
    private const string Banner = "socketbridge sends no banner; have the program print it";
    private const string Rpc = "socketbridge does not register RPC programs with the portmapper";

    /// <summary>getrlimit(2): RLIMIT_RSS has had no effect since Linux 2.4.30.</summary>
    public const string RssIgnored = "Linux ignores RLIMIT_RSS (since 2.4.30), so xinetd's limit had no effect and there is nothing to translate; to bound memory, use LimitAS or LimitDATA";

    /// <summary>
    /// Attributes xinetd does not take in a <c>defaults</c> section: it warns
    /// ("should not be in default section") and ignores them, so they apply
    /// to no service.
    /// </summary>
    public static readonly FrozenSet<string> ServiceOnly = new[]
    {
        "nice", "rlimit_as", "rlimit_cpu", "rlimit_data", "rlimit_rss", "rlimit_stack", "rlimit_files",
    }.ToFrozenSet(StringComparer.Ordinal);

    public const string NotInDefaults = "xinetd ignores it in a defaults section (\"should not be in default section\"), so it applies to no service; set it in each service";

    public static readonly FrozenDictionary<string, string> NotTranslated = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["log_type"] = "socketbridge logs to the journal (stderr when not under systemd)",
        ["log_on_success"] = "socketbridge logs one entry when each connection ends, with the client's address and port, the program's pid and exit status, and the duration; no ident (USERID) lookup",
        ["log_on_failure"] = "socketbridge logs each refused connection as a warning with the client's address (summarised when many); no ident (USERID) lookup",
        ["access_times"] = "socketbridge has no time-of-day access control",
        ["banner"] = Banner,
        ["banner_success"] = Banner,
        ["banner_fail"] = Banner,
        ["max_load"] = "socketbridge does not refuse connections by load average; MaxConnections and RateLimit bound the work",
        ["deny_time"] = "socketbridge has no sensor services that deny a client for a while",
        ["libwrap"] = "socketbridge does not consult hosts.allow and hosts.deny (libwrap); write those rules as AllowFrom and DenyFrom",
        ["mdns"] = "socketbridge does not announce services over mDNS",
        ["rpc_version"] = Rpc,
        ["rpc_number"] = Rpc,
        ["rlimit_rss"] = RssIgnored,
        ["enabled"] = "only a defaults section lists the enabled services",
        ["disabled"] = "only a defaults section lists the disabled services",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Flags with nothing to translate: SocketBridge behaves so anyway.</summary>
    public static readonly FrozenSet<string> FlagsAlwaysOn = new[]
    {
        "IPv4", "REUSE", "NOLIBWRAP", "NODELAY",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// xinetd set NODELAY on a wait = yes service's listening socket, whose
    /// connections inherit it; a handoff bridge's NoDelay applies to
    /// connections the daemon accepts itself (KeepAlive, set on the
    /// listening socket, is translated).
    /// </summary>
    public const string HandoffSocketOptions = "xinetd set it on a wait = yes service's listening socket, and the connections its program accepts inherit it; socketbridge sets NoDelay only on the connections it accepts itself, not on a socket it hands off: have the program set it";

    /// <summary>Flags that mean nothing on a UDP socket, or that socketbridge leaves off there on purpose.</summary>
    public static readonly FrozenDictionary<string, string> DatagramFlags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["KEEPALIVE"] = "a TCP option; a UDP service has no connections to keep alive (xinetd ignored it too)",
        ["NODELAY"] = "a TCP option; a UDP service has no connections (xinetd ignored it too)",
        ["REUSE"] = "xinetd set SO_REUSEADDR, which on a UDP socket lets another socket that sets it bind the same port and take part of its datagrams; a udp: endpoint leaves it off, so another server on the port is a start-up error rather than a silent share",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> FlagsNotTranslated = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["INTERCEPT"] = "socketbridge does not intercept a wait = yes program's connections to check them",
        ["NORETRY"] = "socketbridge does not retry a program that cannot be started; it logs the failure and closes the connection",
        ["IDONLY"] = "socketbridge does not ask the client's ident server who it is",
        ["SENSOR"] = "socketbridge has no sensor services that deny a client for a while",
        ["LABELED"] = "socketbridge does not set SELinux labels",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>xinetd's internal services, and what to run instead.</summary>
    public static readonly FrozenDictionary<string, string> InternalEquivalents = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["echo"] = "\"Exec\": [\"/bin/cat\"]",
        ["discard"] = "\"Exec\": [\"/bin/sh\", \"-c\", \"exec cat >/dev/null\"]",
        ["daytime"] = "\"Exec\": [\"/bin/date\"]",
        ["chargen"] = "a program that writes the character pattern",
        ["time"] = "a program that writes the RFC 868 time",
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
