namespace SocketBridge.Native;

/// <summary>
/// A resource limit a launch can set, by meaning: the <c>SB_LIMIT_*</c>
/// values of <c>socketbridge_native.h</c> (sb_process.c maps each to the
/// architecture's RLIMIT_ number); keep the two in step.
/// </summary>
internal enum ResourceKind
{
    /// <summary>RLIMIT_NOFILE, LimitNOFILE.</summary>
    OpenFiles = 0,

    /// <summary>RLIMIT_NPROC, LimitNPROC: processes of the program's user.</summary>
    Processes = 1,

    /// <summary>RLIMIT_AS, LimitAS: address space, bytes.</summary>
    AddressSpace = 2,

    /// <summary>RLIMIT_DATA, LimitDATA: data segment and heap, bytes.</summary>
    Data = 3,

    /// <summary>RLIMIT_CPU, LimitCPU: CPU seconds (SIGXCPU at the soft limit, SIGKILL at the hard one).</summary>
    CpuTime = 4,

    /// <summary>RLIMIT_CORE, LimitCORE: core file size, bytes.</summary>
    CoreSize = 5,

    /// <summary>RLIMIT_FSIZE, LimitFSIZE: largest file written, bytes (SIGXFSZ beyond).</summary>
    FileSize = 6,

    /// <summary>RLIMIT_STACK, LimitSTACK: main thread stack, bytes.</summary>
    Stack = 7,
}
