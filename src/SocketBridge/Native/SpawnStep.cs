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
}
