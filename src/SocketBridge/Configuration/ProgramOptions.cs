using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>The program a bridge launches and how: its Exec, environment, directory, account and standard streams.</summary>
internal sealed record ProgramOptions
{
    public required ExecOptions Exec { get; init; }

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

    public StandardErrorMode StandardError { get; init; } = StandardErrorMode.Journal;

    /// <summary>Limits, nice, umask, no_new_privs, private /tmp and network: set up in the child before exec.</summary>
    public Sandbox Sandbox { get; init; } = Sandbox.Default;

    /// <summary>RuntimeMax: SIGTERM to the program's group when it has run this long, SIGKILL after ShutdownTimeout more; null for none.</summary>
    public TimeSpan? RuntimeMax { get; init; }

    /// <summary>How long after RuntimeMax's SIGTERM SIGKILL follows: the daemon's ShutdownTimeout, set by the loader.</summary>
    public TimeSpan StopTimeout { get; init; } = new DaemonOptions().ShutdownTimeout;

    /// <summary>Handoff: the socket also on stdin and stdout (inetd's wait services), or /dev/null and the log.</summary>
    public StandardInputMode StandardInput { get; init; } = StandardInputMode.Null;
}
