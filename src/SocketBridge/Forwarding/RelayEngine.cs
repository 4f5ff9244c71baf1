using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SocketBridge.Handover;
using SocketBridge.Native;
using SocketBridge.Systemd;

namespace SocketBridge.Forwarding;

/// <summary>
/// Where forward bridges connect to their Target and relay (SPEC 5,
/// forward). On Linux, a few <see cref="RelayLoop"/> threads (one per two
/// CPUs, at most eight) move the bytes with splice(2), and also wait for the Target's
/// connect, so a relayed socket never enters .NET's own event loop.
/// Elsewhere, .NET's asynchronous sockets (<see cref="BufferedRelay"/>).
/// The loops start with the first forward bridge (<see cref="Start"/>), or
/// the first wait of a handoff or FIFO bridge, which waits in them too
/// (<see cref="WaitReadableAsync"/>): no thread of its own, no wake-up
/// while nothing arrives.
/// </summary>
internal sealed class RelayEngine : ILivenessProbe, IDisposable
{
    /// <summary>
    /// What one splice moves at most, as systemd-socket-proxyd asks for. A
    /// 1 MiB pipe moved no more per second here (16 alternating 1 GiB
    /// transfers tcp->tcp; tcp->unix lost its fast runs), and every byte in
    /// flight is a page the sender cannot reuse while it is still in the
    /// cache. Only a connection moving bulk has pipes.
    /// </summary>
    public const int DefaultPipeSize = 256 * 1024;

    private static readonly TimeSpan FirstQueueRetry = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan LastQueueRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private readonly int _loopCount;
    private readonly RelaySettings _settings;
    private RelayLoop[]? _loops;
    private LoopFreeze[] _freezes = [];
    private int _next;
    private bool _disposed;

    /// <param name="loopCount">Threads; by default one per two CPUs, at most eight (one moves several GiB a second).</param>
    /// <param name="pipeSize">What each direction's pipe is asked to hold.</param>
    /// <param name="splice">False: copy bulk transfers too (what the loop does with a socket the kernel will not splice from).</param>
    public RelayEngine(int? loopCount = null, int pipeSize = DefaultPipeSize, bool splice = true)
    {
        _loopCount = loopCount ?? Math.Clamp(Environment.ProcessorCount / 2, 1, 8);
        _settings = new RelaySettings(pipeSize, splice);
    }

    /// <summary>
    /// Relays between <paramref name="client"/> and <paramref name="target"/>
    /// until both directions are done, <paramref name="idleTimeout"/> passes
    /// with no byte either way, or <paramref name="abort"/>. The caller closes
    /// both sockets afterwards (after a reset they are set to send RST).
    /// </summary>
    /// <param name="descriptorCeiling">The relay's pipes must be numbered below it (the daemon's descriptor reserve).</param>
    /// <param name="tag">Names the relay in a re-exec's handover (its connection id); untagged relays are not carried over.</param>
    /// <param name="resumed">Where a relay carried over by a re-exec stood.</param>
    public Task<RelayResult> RelayAsync(Socket client, Socket target, TimeSpan? idleTimeout, CancellationToken abort, int descriptorCeiling = int.MaxValue, string? tag = null, RelayHandover? resumed = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return BufferedRelay.RunAsync(client, target, idleTimeout, abort);
        }

        // Not Socket.Blocking: the loop's native calls are all these sockets see (Posix.SetNonBlocking).
        Posix.SetNonBlocking(client.SafeHandle);
        Posix.SetNonBlocking(target.SafeHandle);
        RelayLoop loop = NextLoop();
        var relay = new SpliceRelay(client, target, idleTimeout, descriptorCeiling == int.MaxValue ? _settings : _settings with { DescriptorCeiling = descriptorCeiling }, tag, resumed);
        relay.AbortWith(loop, abort);
        loop.Register(relay);
        return relay.Completion;
    }

    /// <summary>
    /// Holds every loop still for a re-exec and returns the tagged relays
    /// they were running, by tag. The loops stay still until <see cref="Thaw"/>
    /// (or the exec). Relays registered before this call are among them.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, RelayHandover>> FreezeAsync()
    {
        var relays = new Dictionary<string, RelayHandover>();
        RelayLoop[]? loops = Volatile.Read(ref _loops);
        if (loops is null)
        {
            return relays;
        }

        var freezes = loops.Select(_ => new LoopFreeze()).ToArray();
        lock (_gate)
        {
            _freezes = freezes;
        }

        for (int i = 0; i < loops.Length; i++)
        {
            foreach ((string tag, RelayHandover relay) in await loops[i].FreezeAsync(freezes[i]).ConfigureAwait(false))
            {
                relays[tag] = relay;
            }
        }

        return relays;
    }

    /// <summary>Lets the loops go on after a re-exec that did not happen.</summary>
    public void Thaw()
    {
        LoopFreeze[] freezes;
        lock (_gate)
        {
            freezes = _freezes;
            _freezes = [];
        }

        foreach (LoopFreeze freeze in freezes)
        {
            freeze.Thaw();
        }
    }

    /// <summary>
    /// A stream socket connected to <paramref name="address"/>, or a
    /// SocketException saying why not; OperationCanceledException when
    /// <paramref name="cancellationToken"/> ends the wait. A Unix listener
    /// whose queue is full is tried again until then. On Linux the socket is
    /// non-blocking, though .NET is not told (StreamConnect): set
    /// Socket.Blocking before .NET's own calls on it.
    /// </summary>
    public Task<Socket> ConnectAsync(EndPoint address, CancellationToken cancellationToken) =>
        ConnectAsync(address, SocketType.Stream, cancellationToken);

    /// <summary>The same with a socket of <paramref name="type"/>: Stream, or Seqpacket for a unix-seqpacket Target.</summary>
    public async Task<Socket> ConnectAsync(EndPoint address, SocketType type, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            var socket = new Socket(address.AddressFamily, type, address.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        TimeSpan retry = FirstQueueRetry;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rc = StreamConnect.Start(address, type, out Socket? socket);
            if (rc == StreamConnect.QueueFull)
            {
                await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastQueueRetry.Ticks));
                continue;
            }

            if (socket is null)
            {
                throw new ErrnoSocketException(-rc);
            }

            try
            {
                if (rc == StreamConnect.InProgress)
                {
                    await WaitConnectedAsync(socket, cancellationToken).ConfigureAwait(false);
                }

                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Waits, without reading or accepting, until one of <paramref name="handles"/>
    /// is readable (a pending connection, a waiting datagram, bytes in a FIFO;
    /// or an error or a hang-up, as poll(2) reports them): the index of the
    /// first such, or -1 once <paramref name="cancellationToken"/> fires, one
    /// of them is closed, or the wait fails.
    /// </summary>
    public async Task<int> WaitReadableAsync(IReadOnlyList<SafeHandle> handles, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            return await PolledWaitAsync(handles, cancellationToken).ConfigureAwait(false);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return -1;
        }

        ReadableWait wait;
        RelayLoop loop;
        try
        {
            wait = new ReadableWait(handles);
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }

        try
        {
            loop = NextLoop();
            loop.Register(wait);
        }
        catch (ObjectDisposedException)
        {
            wait.Abort(); // Never placed in a loop: releases the handles.
            return -1;
        }

        // Registered after the wait itself, so a cancellation is always posted after it.
        using (cancellationToken.UnsafeRegister(static (state, _) =>
        {
            var (loop, wait) = ((RelayLoop, ReadableWait))state!;
            loop.Cancel(wait);
        }, (loop, wait)))
        {
            int ready = await wait.Completion.ConfigureAwait(false);
            return cancellationToken.IsCancellationRequested ? -1 : ready;
        }
    }

    /// <summary>Starts the loops, if they are not running yet: when a forward bridge is made.</summary>
    public void Start()
    {
        if (OperatingSystem.IsLinux() && _loops is null)
        {
            StartLoops();
        }
    }

    /// <summary>Asks each running loop to answer (see <see cref="ILivenessProbe"/>).</summary>
    public void Ask()
    {
        foreach (RelayLoop loop in Volatile.Read(ref _loops) ?? [])
        {
            try
            {
                loop.Ask();
            }
            catch (ObjectDisposedException)
            {
                // Stopping: the watchdog is done too.
            }
        }
    }

    /// <summary>A loop that has not answered since the last <see cref="Ask"/>.</summary>
    public string? Unanswered()
    {
        foreach (RelayLoop loop in Volatile.Read(ref _loops) ?? [])
        {
            if (!loop.HasAnswered)
            {
                return $"relay loop {loop.Name}";
            }
        }

        return null;
    }

    /// <summary>Ends the loops; once only (the container disposes it as itself and as the watchdog's probe).</summary>
    public void Dispose()
    {
        RelayLoop[]? loops;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loops = _loops;
        }

        foreach (RelayLoop loop in loops ?? [])
        {
            loop.Dispose();
        }
    }

    private async Task WaitConnectedAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var lease = new SocketLease(socket);
        RelayLoop loop = NextLoop();
        var wait = new WritableWait(lease);
        using (cancellationToken.UnsafeRegister(static (state, _) =>
        {
            var (loop, wait) = ((RelayLoop, WritableWait))state!;
            loop.Cancel(wait);
        }, (loop, wait)))
        {
            loop.Register(wait);
            try
            {
                await wait.Completion.ConfigureAwait(false);
            }
            catch (TaskCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        int error = lease.PendingError();
        if (error != 0)
        {
            throw new ErrnoSocketException(Math.Abs(error));
        }
    }

    /// <summary>Where there is no epoll: poll(2) in short slices on a thread of its own, looking at cancellation between them.</summary>
    private static Task<int> PolledWaitAsync(IReadOnlyList<SafeHandle> handles, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(
            () =>
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        int ready = Posix.WaitAnyReadable(handles, PollSlice);
                        if (ready >= 0)
                        {
                            return cancellationToken.IsCancellationRequested ? -1 : ready;
                        }
                    }
                    catch (Exception ex) when (ex is ObjectDisposedException or NativeCallException)
                    {
                        return -1;
                    }
                }

                return -1;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    private RelayLoop NextLoop()
    {
        RelayLoop[] loops = _loops ?? StartLoops();
        return loops.Length == 1 ? loops[0] : loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
    }

    private RelayLoop[] StartLoops()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loops is null)
            {
                var loops = new RelayLoop[_loopCount];
                for (int i = 0; i < loops.Length; i++)
                {
                    // Named so that /proc/PID/task/*/comm tells them apart (at most 15 characters).
                    loops[i] = new RelayLoop($"sb-relay-{i}");
                }

                _loops = loops;
            }

            return _loops;
        }
    }
}
