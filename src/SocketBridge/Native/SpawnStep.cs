namespace SocketBridge.Native;

/// <summary>
/// Which step of a launch failed, as sb_spawn reports it. Mirrors the
/// <c>SB_STEP_*</c> values of <c>socketbridge_native.h</c>: keep the two in step.
/// </summary>
internal enum SpawnStep
{
    /// <summary>vfork itself (or nothing failed).</summary>
    None = 0,

    /// <summary>dup2 of the descriptors the program gets.</summary>
    Descriptors = 1,

    /// <summary>setsid.</summary>
    NewSession = 2,

    /// <summary>setgroups, setresgid and setresuid.</summary>
    Credentials = 3,

    /// <summary>chdir to the working directory.</summary>
    WorkingDirectory = 4,

    /// <summary>execve.</summary>
    Exec = 5,

    /// <summary>prlimit64 of one of the resource limits.</summary>
    Limits = 6,

    /// <summary>setpriority (Nice).</summary>
    Nice = 7,

    /// <summary>unshare of the mount or network namespace (PrivateTmp, PrivateNetwork).</summary>
    Namespaces = 8,

    /// <summary>mounting /, /tmp and /var/tmp (PrivateTmp).</summary>
    PrivateTmp = 9,

    /// <summary>bringing lo up in the program's network namespace (PrivateNetwork).</summary>
    Loopback = 10,

    /// <summary>prctl(PR_SET_NO_NEW_PRIVS) (NoNewPrivileges).</summary>
    NoNewPrivileges = 11,
}
