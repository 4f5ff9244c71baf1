using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Bridges;

/// <summary>
/// Keeps descriptors in reserve so that one bridge taking every connection
/// it may never starves the rest of the daemon. RLIMIT_NOFILE bounds
/// descriptor numbers, and the kernel always hands out the lowest free one,
/// so a connection accepted with a number near the limit means the numbers
/// below it are all in use. Bridges keep no connection whose descriptor
/// falls in the last <see cref="DaemonReserve"/> numbers: those are the
/// runtime's (a new thread needs a pipe; the framework-dependent build
/// aborts when it cannot have one), the control socket's and the log's; of
/// those, the last <see cref="RuntimeReserve"/> are not even the control
/// socket's, so a crowd of idle control clients cannot take them either.
/// The <see cref="SharedReserve"/> numbers before them only go to a bridge
/// with fewer than <see cref="FewConnections"/> connections, so a quiet
/// bridge still answers while a busy one is refused. A connection that is
/// not kept is accepted and closed at once, so its client is told instead
/// of left waiting.
///
/// When the limit is reached all the same (the process's, EMFILE, or the
/// system's, ENFILE), the pending connection cannot even be accepted: one
/// spare descriptor, held for this, is closed to accept and close it, then
/// opened again (the libev/nginx "spare descriptor" remedy).
/// </summary>
internal sealed class DescriptorReserve : IDisposable
{
    /// <summary>Never kept by a bridge: the runtime's threads, the control socket, the log.</summary>
    public const int DaemonReserve = 16;

    /// <summary>Before those, kept only for a bridge with fewer than <see cref="FewConnections"/> connections.</summary>
    public const int SharedReserve = 32;

    public const int FewConnections = 4;

    /// <summary>The last of <see cref="DaemonReserve"/>: left to the runtime and the log alone.</summary>
    public const int RuntimeReserve = 8;

    private readonly object _spareGate = new();
    private SafeFileHandle? _spare;
    private long _limit;

    public DescriptorReserve()
    {
        StartedWith = Posix.OpenFilesLimit();
        // The soft limit systemd gives services is 1024 (for select(2)); a
        // daemon that needs more raises it to the hard one (524288 under
        // systemd) itself. The framework-dependent build's runtime already
        // did; NativeAOT's does not, and without this it could keep some 950
        // descriptors, a few hundred forwarded connections.
        try
        {
            Posix.RaiseOpenFilesLimit();
        }
        catch (NativeCallException)
        {
            // Then the limit is what it is; the reserve works within it.
        }

        _limit = Posix.OpenFilesLimit();
        _spare = OpenSpare();
    }

    /// <summary>The soft RLIMIT_NOFILE as last read.</summary>
    public long Limit => Volatile.Read(ref _limit);

    /// <summary>The soft RLIMIT_NOFILE the process was started with, before it was raised.</summary>
    public long StartedWith { get; }

    /// <summary>
    /// About how many forwarded connections (two descriptors each: the
    /// client's and the Target's) fit beside <paramref name="open"/>
    /// descriptors, leaving the reserve.
    /// </summary>
    public long ForwardedRoom(int open) => Math.Max(0, (Limit - open - DaemonReserve - SharedReserve) / 2);

    /// <summary>
    /// For a connection a bridge with <paramref name="active"/> connections
    /// accepted as descriptor <paramref name="fd"/>, and that will open up to
    /// <paramref name="more"/> descriptors more (a Target connection, the
    /// stderr pair): the number every descriptor it keeps must stay below,
    /// and why it cannot be kept when it cannot (else null).
    /// </summary>
    public (int Ceiling, string? Refusal) Judge(int fd, int active, int more)
    {
        long limit = Limit;
        if ((long)fd + more >= limit - DaemonReserve - SharedReserve)
        {
            // Near the end: read the limit again, it may have been raised (prlimit --pid).
            limit = Posix.OpenFilesLimit();
            Volatile.Write(ref _limit, limit);
        }

        long ceiling = limit - DaemonReserve - (active < FewConnections ? 0 : SharedReserve);
        return ((int)Math.Min(ceiling, int.MaxValue), (long)fd + more < ceiling ? null : Shortage(limit));
    }

    /// <summary>Whether the control socket may keep a request it accepted as descriptor <paramref name="fd"/>.</summary>
    public bool FitsControl(int fd)
    {
        if (fd < Limit - RuntimeReserve)
        {
            return true;
        }

        long limit = Posix.OpenFilesLimit();
        Volatile.Write(ref _limit, limit);
        return fd < limit - RuntimeReserve;
    }

    /// <summary>Why a connection is refused when one of its descriptors would be in the reserve.</summary>
    public static string Shortage(long limit) =>
        $"descriptors are short: the process's open-file limit ({limit}) is nearly reached, and the last {DaemonReserve + SharedReserve} are kept for the daemon and quieter bridges";

    /// <summary>
    /// After accept failed for want of a descriptor: unless descriptors are
    /// free again, takes one pending connection off <paramref name="listener"/>
    /// and closes it, with the spare descriptor. Returns the shortage
    /// (EMFILE, ENFILE, or 0 when there is none any more) and whether a
    /// connection was refused that way.
    /// </summary>
    public (int Errno, bool Refused) RefusePending(SafeSocketHandle listener)
    {
        lock (_spareGate)
        {
            int shortage = Posix.DescriptorShortage();
            if (shortage == 0)
            {
                // Descriptors came back since: accept as usual.
                return (0, false);
            }

            if (_spare is null)
            {
                // Spent earlier and not yet back: try to have it for next time.
                _spare = OpenSpare();
                return (shortage, false);
            }

            _spare.Dispose();
            int refused = Posix.AcceptAndClose(listener);
            _spare = OpenSpare();
            return (shortage, refused == 0);
        }
    }

    /// <summary>What an errno of a descriptor shortage means, naming the limit reached.</summary>
    public static string Describe(int errno) => errno switch
    {
        Errno.EMFILE => $"the process's open-file limit ({Posix.OpenFilesLimit()}) is reached",
        Errno.ENFILE => "the system's open-file limit (fs.file-max) is reached",
        _ => Errno.Message(errno),
    };

    /// <summary>
    /// At start-up, before the bridges start their threads: loads the code
    /// the runtime would load late (<see cref="LoadWhatTheRuntimeWouldLoadLate"/>),
    /// so a limit too low for it is a clear error, not a thread that cannot
    /// be started (which the runtime reports as out of memory, or aborts on).
    /// </summary>
    public static void EnsureCodeLoaded()
    {
        try
        {
            LoadWhatTheRuntimeWouldLoadLate();
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or TypeInitializationException)
        {
            string what = (ex as FileNotFoundException)?.FileName ?? (ex as FileLoadException)?.FileName ?? ex.GetType().Name;
            throw new ListenException($"the open-file limit ({Posix.OpenFilesLimit()}) is too low to load the program's own code ({what.Split(',')[0]} could not be opened); raise LimitNOFILE (ulimit -n), or use the NativeAOT build (make publish)", ex);
        }
    }

    /// <summary>
    /// At start-up, once everything is bound: refuses to go on when the
    /// limit leaves the daemon less than its own reserve, since the runtime
    /// could then fail to start a thread at any moment (the
    /// framework-dependent build aborts when it does).
    /// </summary>
    /// <returns>The descriptors open before any connection.</returns>
    public int EnsureHeadroom()
    {
        EnsureCodeLoaded();
        int open = Directory.GetFiles("/proc/self/fd").Length;
        long limit = Posix.OpenFilesLimit();
        Volatile.Write(ref _limit, limit);
        if (limit - open < DaemonReserve)
        {
            throw new ListenException(
                $"the open-file limit ({limit}) leaves {Math.Max(limit - open, 0)} descriptor(s) free: {open} are in use before any connection (the framework-dependent build holds two per loaded assembly), "
                + $"and at least {DaemonReserve} must stay free for the daemon itself, {DaemonReserve + SharedReserve} for connections to be served; raise LimitNOFILE (ulimit -n), or use the NativeAOT build (make publish)");
        }

        return open;
    }

    /// <summary>
    /// The framework-dependent build opens an assembly (two descriptors) the
    /// first time code needs it, and a failure to do so on a socket event
    /// loop (IPAddress's type initializer, at the first accepted connection)
    /// ends the process. So what the daemon's code references, and that
    /// initializer, are loaded at start-up while descriptors are plenty.
    /// NativeAOT has everything compiled in: nothing to do.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Runs only with a JIT (IsDynamicCodeSupported), i.e. in the framework-dependent build, which is not trimmed; NativeAOT returns first.")]
    private static void LoadWhatTheRuntimeWouldLoadLate()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            return;
        }

        foreach (AssemblyName name in typeof(DescriptorReserve).Assembly.GetReferencedAssemblies())
        {
            Assembly.Load(name);
        }

        RuntimeHelpers.RunClassConstructor(typeof(IPAddress).TypeHandle);
    }

    public void Dispose()
    {
        lock (_spareGate)
        {
            _spare?.Dispose();
            _spare = null;
        }
    }

    private static SafeFileHandle? OpenSpare()
    {
        try
        {
            return File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
