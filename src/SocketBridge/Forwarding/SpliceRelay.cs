using System.Net.Sockets;
using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// A connection relayed by a <see cref="RelayLoop"/> (SPEC 5, forward):
/// both directions until both are done, bytes spliced or copied for a
/// stream, whole messages for a seqpacket connection. An EOF from one side becomes a
/// half-close of the other; an error on one side resets both (SO_LINGER 0,
/// so the owner's close sends RST); IdleTimeout with no byte either way, or
/// an abort, closes both. The owner closes the sockets once
/// <see cref="Completion"/> has its result.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The leases and pipes live from Start to the relay's end, where the relay itself disposes them on its loop thread; an outside Dispose could race the loop.")]
internal sealed class SpliceRelay : LoopEntry
{
    private const uint Readable = EpollFlags.In | EpollFlags.ReadHangUp | EpollFlags.EdgeTriggered;
    private const uint Writable = EpollFlags.Out | EpollFlags.EdgeTriggered;
    private const uint Closing = EpollFlags.ReadHangUp | EpollFlags.HangUp | EpollFlags.Error;

    private readonly Socket _clientSocket;
    private readonly Socket _targetSocket;
    private readonly long _idleMicroseconds;
    private readonly RelaySettings _settings;
    private readonly TaskCompletionSource<RelayResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Epoll? _epoll;
    private NativeBuffer? _scratch;
    private uint _clientEvents;
    private uint _targetEvents;
    private SocketLease? _client;
    private SocketLease? _target;
    private IRelayDirection? _up;   // client to target
    private IRelayDirection? _down; // target to client
    private readonly RelayHandover? _resumed;
    private CancellationTokenRegistration _abort;
    private RelayLoop? _loop;

    /// <param name="tag">What names the relay in a handover: its connection's id.</param>
    /// <param name="resumed">Where the relay stood in the previous image, for one carried over by a re-exec.</param>
    public SpliceRelay(Socket client, Socket target, TimeSpan? idleTimeout, RelaySettings settings, string? tag = null, RelayHandover? resumed = null)
    {
        _clientSocket = client;
        _targetSocket = target;
        _idleMicroseconds = idleTimeout is { } idle ? LoopClock.Microseconds(idle) : 0;
        _settings = settings;
        Tag = tag;
        _resumed = resumed;
    }

    /// <summary>The connection id this relay serves, when it is to be handed over across a re-exec.</summary>
    public string? Tag { get; }

    public Task<RelayResult> Completion => _done.Task;

    /// <summary>Ends the relay when <paramref name="abort"/> is cancelled; call before registering.</summary>
    public void AbortWith(RelayLoop loop, CancellationToken abort)
    {
        // The relay itself as the state: no (loop, relay) pair boxed and kept for each connection.
        _loop = loop;
        _abort = abort.UnsafeRegister(static state =>
        {
            var relay = (SpliceRelay)state!;
            relay._loop!.Cancel(relay);
        }, this);
    }

    public override void Start(Epoll epoll, NativeBuffer scratch)
    {
        _epoll = epoll;
        _scratch = scratch;
        _client = new SocketLease(_clientSocket);
        _target = new SocketLease(_targetSocket);
        if (_clientSocket.SocketType == SocketType.Seqpacket)
        {
            // A seqpacket connection (to a seqpacket Target): whole messages, never bytes.
            _up = _resumed is { } r ? new MessageDirection(_client, _target, r.Up) : new MessageDirection(_client, _target);
            _down = _resumed is { } s ? new MessageDirection(_target, _client, s.Down) : new MessageDirection(_target, _client);
        }
        else
        {
            _up = _resumed is { } r ? new SpliceDirection(_client, _target, _settings, r.Up) : new SpliceDirection(_client, _target, _settings);
            _down = _resumed is { } s ? new SpliceDirection(_target, _client, _settings, s.Down) : new SpliceDirection(_target, _client, _settings);
        }
        _clientEvents = _targetEvents = Readable;
        int rc = epoll.AddOrModify(_client.Fd, _clientEvents, Key(0));
        if (rc == 0)
        {
            rc = epoll.AddOrModify(_target.Fd, _targetEvents, Key(1));
        }

        if (rc < 0)
        {
            Fail(new NativeCallException("epoll_ctl", "a relayed socket", -rc));
            return;
        }

        if (_idleMicroseconds > 0)
        {
            Deadline = LoopClock.Now + (_resumed is { IdleLeft: > 0 and long left } ? Math.Min(left, _idleMicroseconds) : _idleMicroseconds);
        }

        if (_resumed is not null)
        {
            // Carried over: what waited in the pipes goes on, and whatever
            // came meanwhile is read (edge-triggered epoll reports only what
            // is new from here on).
            OnEvents(0, EpollFlags.In | EpollFlags.Out);
            if (!IsFinished)
            {
                OnEvents(1, EpollFlags.In | EpollFlags.Out);
            }
        }
    }

    /// <summary>Where the relay stands, for the next image (on the loop's thread, the loop held still).</summary>
    public RelayHandover Capture() => new()
    {
        ClientFd = _client!.Fd,
        TargetFd = _target!.Fd,
        IdleLeft = Deadline == long.MaxValue ? 0 : Math.Max(1, Deadline - LoopClock.Now),
        Up = _up!.Capture(),
        Down = _down!.Capture(),
    };

    public override void OnEvents(int side, uint events)
    {
        SocketLease socket = side == 0 ? _client! : _target!;
        IRelayDirection reading = side == 0 ? _up! : _down!;   // what this socket sends
        IRelayDirection writing = side == 0 ? _down! : _up!;   // what this socket receives
        if ((events & EpollFlags.Error) != 0 && socket.PendingError() is > 0 and int error)
        {
            Reset(error);
            return;
        }

        // A hang-up or error makes both directions try their socket, so a
        // failure shows as the error it is, not as a silence.
        bool closing = (events & Closing) != 0;
        if ((events & EpollFlags.Out) != 0 || closing)
        {
            writing.SinkReady();
        }

        bool progressed = false;
        if ((events & EpollFlags.In) != 0 || closing)
        {
            reading.SourceReady(closing);
            if (!Pump(reading, ref progressed))
            {
                return;
            }
        }

        if (((events & EpollFlags.Out) != 0 || closing) && writing.HasPending && !Pump(writing, ref progressed))
        {
            return;
        }

        if (_up!.Finished && _down!.Finished)
        {
            Finish(RelayOutcome.Completed, null);
            return;
        }

        if (progressed && _idleMicroseconds > 0)
        {
            Deadline = LoopClock.Now + _idleMicroseconds;
        }

        if (Watch(_client!, ref _clientEvents, _up!, _down!, 0))
        {
            Watch(_target!, ref _targetEvents, _down!, _up!, 1);
        }
    }

    /// <summary>
    /// Listens on a socket for what its two directions can use now: its input
    /// while the direction it feeds can take more, its writability while the
    /// direction it receives waits for room. Edge-triggered, a change brings
    /// an event at once for what is already there; anything else would wake
    /// the loop for nothing (a packet for a relay held up by its receiver, a
    /// socket with room that nothing waits for). False when epoll refused and
    /// the relay was reset.
    /// </summary>
    private bool Watch(SocketLease socket, ref uint registered, IRelayDirection feeds, IRelayDirection receives, int side)
    {
        uint wanted = (feeds.WantsInput ? Readable : 0) | (receives.WantsOutput ? Writable : 0) | EpollFlags.EdgeTriggered;
        if (wanted == registered)
        {
            return true;
        }

        int rc = _epoll!.Modify(socket.Fd, wanted, Key(side));
        if (rc < 0)
        {
            Fail(new NativeCallException("epoll_ctl", "a relayed socket", -rc));
            return false;
        }

        registered = wanted;
        return true;
    }

    public override void Expire() => Finish(RelayOutcome.IdleTimeout, null);

    public override void Abort() => Finish(RelayOutcome.Aborted, null);

    public override void Fail(Exception error)
    {
        _client?.ResetOnClose();
        _target?.ResetOnClose();
        Finish(RelayOutcome.Reset, error.Message);
    }

    /// <summary>Runs one direction; false when it failed and the relay was reset.</summary>
    private bool Pump(IRelayDirection direction, ref bool progressed)
    {
        int rc = direction.Shovel(_scratch!, out bool moved);
        progressed |= moved;
        if (rc < 0)
        {
            Reset(-rc);
            return false;
        }

        return true;
    }

    /// <summary>One side failed: reset both, so neither peer mistakes it for a clean end.</summary>
    private void Reset(int errno)
    {
        _client?.ResetOnClose();
        _target?.ResetOnClose();
        Finish(RelayOutcome.Reset, Errno.Message(errno));
    }

    private void Finish(RelayOutcome outcome, string? error)
    {
        if (!TryFinish())
        {
            return;
        }

        long bytesIn = _up?.Moved ?? 0;
        long bytesOut = _down?.Moved ?? 0;
        _up?.Dispose();
        _down?.Dispose();
        _client?.Dispose();
        _target?.Dispose();
        _abort.Unregister();
        _done.TrySetResult(new RelayResult(bytesIn, bytesOut, outcome, error));
    }
}
