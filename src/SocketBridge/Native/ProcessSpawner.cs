using System.Runtime.InteropServices;
using System.Text;

namespace SocketBridge.Native;

/// <summary>What a launched program gets: the safe-handle side of sb_spawn.</summary>
internal sealed class SpawnSpec
{
    public required string Path { get; init; }

    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>KEY=VALUE strings, without LISTEN_PID.</summary>
    public required IReadOnlyList<string> Environment { get; init; }

    /// <summary>Adds LISTEN_PID set to the program's own pid (sd_listen_fds(3)).</summary>
    public bool SetListenPid { get; init; }

    public string? WorkingDirectory { get; init; }

    public Credentials? Credentials { get; init; }

    public bool NewSession { get; init; } = true;

    /// <summary>
    /// The program's RLIMIT_NOFILE soft limit (at most the hard limit). The
    /// runtime raises the daemon's own to the hard limit; programs get the
    /// conventional 1024 back, as systemd gives services. 0 inherits.
    /// </summary>
    public int OpenFilesSoftLimit { get; init; } = 1024;

    /// <summary>Limits, nice, umask, no_new_privs, private /tmp and network, set in the child before exec.</summary>
    public Sandbox Sandbox { get; init; } = Sandbox.Default;
}

/// <summary>The program could not be started; names the step and the path.</summary>
internal sealed class SpawnException(string message, int errno) : Exception(message)
{
    public int Errno { get; } = errno;
}

/// <summary>Launches programs through sb_spawn (vfork + one exec).</summary>
internal static unsafe class ProcessSpawner
{
    /// <summary>
    /// Listening sockets a launch passes at most, from fd 3 on, after stdin,
    /// stdout and stderr: SB_MAX_LISTEN_FDS in socketbridge_native.h.
    /// </summary>
    public const int MaxListenDescriptors = 64;

    /// <summary>Descriptors a launch passes at most: SB_MAX_FDS.</summary>
    public const int MaxDescriptors = 3 + MaxListenDescriptors;

    private const int ListenPidDigits = 11;

    /// <summary>
    /// Starts the program with child descriptor i a copy of
    /// <paramref name="descriptors"/>[i]. Returns its pid. Each handle is held
    /// (a reference taken) for the duration of the call, so none can be closed
    /// and its number reused while the child copies it.
    /// </summary>
    public static int Spawn(SpawnSpec spec, ReadOnlySpan<SafeHandle> descriptors)
    {
        if (descriptors.Length > MaxDescriptors)
        {
            // Configurations are checked against this at load; only sockets passed by launchd can outnumber it.
            throw new SpawnException($"{descriptors.Length} descriptors to pass; a program can be given at most {MaxDescriptors} ({MaxListenDescriptors} listening sockets)", Errno.EINVAL);
        }

        // The descriptors cross as ints inside sb_spawn_request, which the
        // marshaller cannot reach: hold each handle by hand, here only.
        Span<int> fds = stackalloc int[descriptors.Length];
        Span<bool> held = stackalloc bool[descriptors.Length];
        try
        {
            for (int i = 0; i < descriptors.Length; i++)
            {
                descriptors[i].DangerousAddRef(ref held[i]);
                fds[i] = (int)descriptors[i].DangerousGetHandle();
            }

            return Spawn(spec, fds);
        }
        finally
        {
            for (int i = 0; i < descriptors.Length; i++)
            {
                if (held[i])
                {
                    descriptors[i].DangerousRelease();
                }
            }
        }
    }

    private static int Spawn(SpawnSpec spec, ReadOnlySpan<int> fds)
    {
        int strings = 1 + spec.Arguments.Count + spec.Environment.Count + (spec.WorkingDirectory is null ? 0 : 1);
        int bytes = Utf8Size(spec.Path) + Utf8Size(spec.WorkingDirectory);
        // By index: a foreach over the interface would allocate an enumerator a launch.
        for (int i = 0; i < spec.Arguments.Count; i++)
        {
            bytes += Utf8Size(spec.Arguments[i]);
        }

        for (int i = 0; i < spec.Environment.Count; i++)
        {
            bytes += Utf8Size(spec.Environment[i]);
        }

        if (spec.SetListenPid)
        {
            bytes += "LISTEN_PID=".Length + ListenPidDigits + 1;
        }

        int envCount = spec.Environment.Count + (spec.SetListenPid ? 1 : 0);
        nuint pointerBytes = (nuint)((spec.Arguments.Count + 1 + envCount + 1) * sizeof(byte*));
        byte* block = (byte*)NativeMemory.Alloc(pointerBytes + (nuint)bytes);
        try
        {
            byte** argv = (byte**)block;
            byte** envp = argv + spec.Arguments.Count + 1;
            byte* cursor = block + pointerBytes;

            byte* path = Put(ref cursor, spec.Path);
            for (int i = 0; i < spec.Arguments.Count; i++)
            {
                argv[i] = Put(ref cursor, spec.Arguments[i]);
            }

            argv[spec.Arguments.Count] = null;
            for (int i = 0; i < spec.Environment.Count; i++)
            {
                envp[i] = Put(ref cursor, spec.Environment[i]);
            }

            byte* listenPid = null;
            if (spec.SetListenPid)
            {
                envp[spec.Environment.Count] = cursor;
                cursor += Encoding.ASCII.GetBytes("LISTEN_PID=", new Span<byte>(cursor, 11));
                listenPid = cursor;
                new Span<byte>(cursor, ListenPidDigits + 1).Clear();
                cursor += ListenPidDigits + 1;
            }

            envp[envCount] = null;
            byte* cwd = spec.WorkingDirectory is null ? null : Put(ref cursor, spec.WorkingDirectory);

            uint[] groups = spec.Credentials?.Groups ?? [];
            Sandbox sandbox = spec.Sandbox;
            Span<ResourceLimitEntry> limits = stackalloc ResourceLimitEntry[sandbox.Limits.Count];
            bool openFilesSet = false;
            for (int i = 0; i < limits.Length; i++)
            {
                ResourceLimit limit = sandbox.Limits[i];
                limits[i] = new ResourceLimitEntry { Kind = (int)limit.Kind, Soft = limit.Soft, Hard = limit.Hard };
                openFilesSet |= limit.Kind == ResourceKind.OpenFiles;
            }

            fixed (int* fdArray = fds)
            fixed (uint* groupArray = groups)
            fixed (ResourceLimitEntry* limitArray = limits)
            {
                var request = new SpawnRequest
                {
                    Path = path,
                    Argv = argv,
                    Envp = envp,
                    ListenPidDigits = listenPid,
                    Fds = fdArray,
                    FdCount = fds.Length,
                    NewSession = spec.NewSession ? 1 : 0,
                    WorkingDirectory = cwd,
                    SetCredentials = spec.Credentials is null ? 0 : 1,
                    Uid = spec.Credentials?.Uid ?? 0,
                    Gid = spec.Credentials?.Gid ?? 0,
                    Groups = groupArray,
                    GroupCount = groups.Length,
                    OpenFilesSoftLimit = openFilesSet ? 0 : spec.OpenFilesSoftLimit,
                    Limits = limitArray,
                    LimitCount = limits.Length,
                    SetNice = sandbox.Nice is null ? 0 : 1,
                    Nice = sandbox.Nice ?? 0,
                    UMask = sandbox.UMask ?? -1,
                    NoNewPrivileges = sandbox.NoNewPrivileges ? 1 : 0,
                    PrivateTmp = sandbox.PrivateTmp ? 1 : 0,
                    PrivateNetwork = sandbox.PrivateNetwork ? 1 : 0,
                };

                int pid = NativeMethods.Spawn(&request, out SpawnStep step);
                if (pid < 0)
                {
                    throw new SpawnException(Describe(step, spec, -pid), -pid);
                }

                return pid;
            }
        }
        finally
        {
            NativeMemory.Free(block);
        }
    }

    private static string Describe(SpawnStep step, SpawnSpec spec, int errno)
    {
        string reason = Native.Errno.Message(errno);
        return step switch
        {
            SpawnStep.Descriptors => $"dup2 of the connection descriptors: {reason}",
            SpawnStep.NewSession => $"setsid: {reason}",
            SpawnStep.Credentials => $"setting uid {spec.Credentials?.Uid} gid {spec.Credentials?.Gid}: {reason}",
            SpawnStep.WorkingDirectory => $"chdir({spec.WorkingDirectory}): {reason}",
            SpawnStep.Exec => $"execve({spec.Path}): {reason}",
            SpawnStep.Limits => $"setting the resource limits ({string.Join(", ", spec.Sandbox.Limits)}): {reason}",
            SpawnStep.Nice => $"setpriority (Nice {spec.Sandbox.Nice}): {reason}",
            SpawnStep.Namespaces => $"unshare ({Namespaces(spec.Sandbox)}): {reason}",
            SpawnStep.PrivateTmp => $"mounting a private /tmp and /var/tmp: {reason}",
            SpawnStep.Loopback => $"bringing up lo in the private network: {reason}",
            SpawnStep.NoNewPrivileges => $"prctl(PR_SET_NO_NEW_PRIVS): {reason}",
            _ => $"vfork: {reason}",
        };
    }

    private static string Namespaces(Sandbox sandbox) =>
        sandbox.PrivateTmp && sandbox.PrivateNetwork ? "PrivateTmp, PrivateNetwork" : sandbox.PrivateTmp ? "PrivateTmp" : "PrivateNetwork";

    private static int Utf8Size(string? s) => s is null ? 0 : Encoding.UTF8.GetByteCount(s) + 1;

    private static byte* Put(ref byte* cursor, string s)
    {
        byte* start = cursor;
        int n = Encoding.UTF8.GetBytes(s, new Span<byte>(cursor, int.MaxValue / 2));
        cursor[n] = 0;
        cursor += n + 1;
        return start;
    }
}
