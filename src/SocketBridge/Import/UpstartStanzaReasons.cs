using System.Collections.Frozen;

namespace SocketBridge.Import;

/// <summary>
/// Why an Upstart stanza has no SocketBridge equivalent, and what to do
/// instead; and the stanzas that describe a job without changing how it runs.
/// </summary>
internal static class UpstartStanzaReasons
{
    private const string AroundProgram = "socketbridge runs no commands before or after the program; run them from the program itself (a script block, for example)";

    /// <summary>Stanzas with nothing to translate: documentation, and events SocketBridge does not emit.</summary>
    public static readonly FrozenSet<string> Descriptive = new[]
    {
        "description", "author", "version", "usage", "emits", "export",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The resources of <c>limit</c> (init(5)) without a Limit* key, and why.</summary>
    public static readonly FrozenDictionary<string, string> LimitsNotTranslated = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["memlock"] = NoKey("RLIMIT_MEMLOCK", "memlock"),
        ["msgqueue"] = NoKey("RLIMIT_MSGQUEUE", "msgqueue"),
        ["nice"] = NoKey("RLIMIT_NICE", "nice"),
        ["rtprio"] = NoKey("RLIMIT_RTPRIO", "rtprio"),
        ["sigpending"] = NoKey("RLIMIT_SIGPENDING", "sigpending"),
        ["rss"] = "Linux ignores RLIMIT_RSS (since 2.4.30), so the limit had no effect under Upstart either and there is nothing to translate; to bound memory, use LimitAS or LimitDATA",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, string> NotTranslated = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["stop on"] = "a handoff program runs until it exits by itself, or until socketbridge stops or the bridge is removed",
        ["respawn"] = "socketbridge starts the program again when a connection is pending after it exited, and not before",
        ["respawn limit"] = "socketbridge never gives up on a bridge; a program that ends within a second with connections still queued (it failed, or did not accept) is started again after a pause, 1 s and doubling up to 30 s while that goes on",
        ["task"] = "nothing waits for a handoff program; it runs until it exits, and starts again when a connection is pending",
        ["normal exit"] = "exit statuses are only logged; they restart or stop nothing",
        ["instance"] = "a handoff bridge runs one copy of its program at a time",
        ["manual"] = "the bridge listens as soon as socketbridge runs; leave the job out of the configuration to keep it disabled",
        ["pre-start exec"] = AroundProgram,
        ["pre-start script"] = AroundProgram,
        ["post-start exec"] = AroundProgram,
        ["post-start script"] = AroundProgram,
        ["pre-stop exec"] = AroundProgram,
        ["pre-stop script"] = AroundProgram,
        ["post-stop exec"] = AroundProgram,
        ["post-stop script"] = AroundProgram,
        ["kill timeout"] = "the time between SIGTERM and SIGKILL at stop is SocketBridge:ShutdownTimeout, for the whole daemon",
        ["kill signal"] = "socketbridge stops programs with SIGTERM",
        ["reload signal"] = "socketbridge passes no reload on to programs",
        ["expect"] = "socketbridge follows the process it started: the program must stay in the foreground (no fork, no daemon, no raise(SIGSTOP)), or its turn ends when that process exits",
        ["oom"] = "programs inherit socketbridge's OOM score; write /proc/self/oom_score_adj in a script",
        ["oom score"] = "programs inherit socketbridge's OOM score; write /proc/self/oom_score_adj in a script",
        ["chroot"] = "socketbridge does not chroot; use chroot(8) in Exec",
        ["apparmor load"] = "socketbridge does not manage AppArmor profiles; load it beforehand",
        ["apparmor switch"] = "socketbridge does not change AppArmor profiles; use aa-exec in Exec",
        ["cgroup"] = "programs stay in socketbridge's own cgroup",
        ["end script"] = "an end script without a script before it",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static string NoKey(string resource, string prlimit) =>
        $"socketbridge has no key for {resource}: the program gets socketbridge's own; set it with prlimit --{prlimit}=SOFT:HARD in Exec";
}
