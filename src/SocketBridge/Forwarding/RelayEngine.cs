using System.Net;
using System.Net.Sockets;
using SocketBridge.Native;
using SocketBridge.Systemd;

namespace SocketBridge.Forwarding;

/// <summary>
/// Where forward bridges connect to their Target and relay (SPEC 5,
/// forward). On Linux, a few <see cref="RelayLoop"/> threads (one per two
/// CPUs, at most eight) move the bytes with splice(2), and also wait for the Target's
/// connect, so a relayed socket never enters .NET's own event loop.
/// Elsewhere, .NET's asynchronous sockets (<see cref="BufferedRelay"/>).
/// The loops start with the first forward bridge (<see cref="Start"/>).
/// </summary>
public sealed class RelayEngine : ILivenessProbe, IDisposable
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

    private readonly Lock _gate = new();
    private readonly int _loopCount;
    private readonly RelaySettings _settings;
    private RelayLoop[]? _loops;
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
    public Task<RelayResult> RelayAsync(Socket client, Socket target, TimeSpan? idleTimeout, CancellationToken abort, int descriptorCeiling = int.MaxValue)
    {
        if (!OperatingSystem.IsLinux())
        {
            return BufferedRelay.RunAsync(client, target, idleTimeout, abort);
        }

        client.Blocking = false;
        target.Blocking = false;
        RelayLoop loop = NextLoop();
        var relay = new SpliceRelay(client, target, idleTimeout, descriptorCeiling == int.MaxValue ? _settings : _settings with { DescriptorCeiling = descriptorCeiling });
        relay.AbortWith(loop, abort);
        loop.Register(relay);
        return relay.Completion;
    }

    /// <summary>
    /// A stream socket connected to <paramref name="address"/>, or a
    /// SocketException saying why not; OperationCanceledException when
    /// <paramref name="cancellationToken"/> ends the wait. A Unix listener
    /// whose queue is full is tried again until then.
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
