using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketBridge.Access;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Handover;
using SocketBridge.Metrics;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// The accepting modes (spawn, forward): accept, admit within
/// MaxConnections or refuse at once, and serve each connection on the thread
/// pool so accepting goes on meanwhile. No thread per connection. With
/// OnLimit queue, a bridge at MaxConnections stops accepting until a
/// connection ends, so new clients wait in the kernel's listen backlog, as
/// under tcpserver -c; the loop then awaits the release, it never polls.
/// </summary>
internal sealed class AcceptLoop(IConnectionHandler handler, BridgeOptions bridge, DescriptorReserve descriptors, TimeProvider time) : IBridgeMode
{
    private static readonly TimeSpan AcceptErrorPause = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long without a refusal for want of descriptors before their
    /// return is logged: during a flood, connections that end free a few for
    /// a moment, and each of those moments is not worth two entries. The
    /// same for a queueing bridge below MaxConnections again.
    /// </summary>
    private static readonly TimeSpan ShortageSettles = TimeSpan.FromSeconds(5);

    /// <summary>Descriptors a connection opens at once besides its own: spawn, the stderr pair; forward, the Target connection (its splice pipes come later, if at all).</summary>
    private readonly int _moreDescriptors = bridge.Mode == BridgeMode.Forward ? 1 : 2;

    /// <summary>1 while connections are refused for want of descriptors, so that is logged once, and its end once.</summary>
    private int _short;

    /// <summary>When a connection was last refused for want of descriptors (a TimeProvider timestamp).</summary>
    private long _lastShortage;

    // Serialises RefuseShort, so a shortage's first entry and its refusals keep to one line a second.
    private readonly Lock _shortageGate = new();

    /// <summary>Refusals come in floods: at most one entry a second, saying how many were left out (the last second's too).</summary>
    private readonly Logging.LogSummary<(ILogger Logger, string Peer, string Reason)> _refusals = new(
        time,
        TimeSpan.FromSeconds(1),
        (count, last) => BridgeLog.RefusedFlush(last.Logger, bridge.Name, count, last.Peer, last.Reason));
    private readonly SourceCounter? _perSource = bridge.MaxConnectionsPerSource is { } limit ? new SourceCounter(limit) : null;
    private readonly TokenBucket? _rate = bridge.RateLimit is { } rate ? new TokenBucket(rate, time) : null;

    private readonly bool _queue = bridge.OnLimit == OnLimitPolicy.Queue;

    /// <summary>1 while a queueing bridge is at MaxConnections, so that is logged once, and its end once.</summary>
    private int _full;

    /// <summary>When a queueing bridge last had to wait for a slot (a TimeProvider timestamp).</summary>
    private long _lastFull;

    /// <summary>Ends what the handler keeps beyond connections (an on-demand backend), once they have drained.</summary>
    public ValueTask DisposeAsync()
    {
        _refusals.Dispose();
        return handler is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
    }

    public Task RunAsync(IListener listener, BridgeContext context) => RunAsync(listener, 0, context);

    public Task RunAsync(IReadOnlyList<IListener> listeners, BridgeContext context) =>
        Task.WhenAll(listeners.Select((listener, index) => Task.Run(() => RunAsync(listener, index, context))));

    /// <summary>
    /// Accepts on listener <paramref name="index"/> of the bridge. Each
    /// accept, and the registration of what it accepted, happens inside the
    /// handover gate: a re-exec closes it, which ends the wait for the next
    /// client (it stays in the backlog, for the next image), and the loop
    /// waits until the gate opens again, should the exec not happen.
    /// </summary>
    private async Task RunAsync(IListener bridgeListener, int index, BridgeContext context)
    {
        BoundListener listener = bridgeListener as BoundListener ?? throw new ArgumentException($"{bridgeListener.Display} is not a socket", nameof(bridgeListener));
        CancellationToken token = context.Accepting;
        CancellationTokenSource? linked = null;
        CancellationToken pausing = default;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (!context.Gate.TryEnter())
                {
                    try
                    {
                        await context.Gate.WaitReopenedAsync(token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                try
                {
                    // One linked source per handover epoch, not per accept.
                    CancellationToken gatePausing = context.Gate.Pausing;
                    if (linked is null || pausing != gatePausing)
                    {
                        linked?.Dispose();
                        linked = CancellationTokenSource.CreateLinkedTokenSource(token, gatePausing);
                        pausing = gatePausing;
                    }

                    if (!await AcceptOnceAsync(listener, index, context, linked.Token).ConfigureAwait(false))
                    {
                        if (token.IsCancellationRequested)
                        {
                            break;
                        }
                    }
                }
                finally
                {
                    context.Gate.Exit();
                }
            }
        }
        finally
        {
            linked?.Dispose();
        }
    }

    /// <summary>One accept and its admission; false when <paramref name="waiting"/> ended the wait.</summary>
    private async Task<bool> AcceptOnceAsync(BoundListener listener, int index, BridgeContext context, CancellationToken waiting)
    {
        if (_queue && !await WaitForRoomAsync(listener, context, waiting).ConfigureAwait(false))
        {
            return false;
        }

        Socket socket;
        try
        {
            socket = await listener.Socket.AcceptAsync(waiting).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
        catch (SocketException ex)
        {
            if (waiting.IsCancellationRequested)
            {
                return false;
            }

            if (ex.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                if (RefuseWithoutDescriptor(listener, context))
                {
                    return true;
                }
            }
            else
            {
                // Out of memory, or another failure of the moment: say so, and keep serving.
                BridgeLog.AcceptFailed(context.Logger, context.Options.Name, listener.Display, ex.Message);
            }

            await Task.Delay(AcceptErrorPause, CancellationToken.None).ConfigureAwait(false);
            return true;
        }

        Admit(socket, listener, index, context);
        return true;
    }

    /// <summary>
    /// Takes over the connections the previous image's bridge was serving (a
    /// re-exec): each holds a slot again, whatever the limits; one not
    /// started yet is served from the beginning, the others go on.
    /// </summary>
    public void Resume(BridgeHandover from, IReadOnlyList<IListener> listeners, BridgeContext context)
    {
        handler.Resume(from, context.Logger);
        foreach (ConnectionHandover handover in from.Connections)
        {
            context.Counters.Readmit();
            int fd = handover.SocketFd >= 0 ? handover.SocketFd : handover.Relay?.ClientFd ?? -1;
            if (fd < 0)
            {
                _ = Task.Run(() => ResumeAsync(handover, null, context));
                continue;
            }

            int index = handover.Listener < listeners.Count ? handover.Listener : 0;
            var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            var connection = new Connection(socket, handover.Id, PeerInfo.Of(socket), (BoundListener)listeners[index]) { AcceptedAt = handover.AcceptedAt };
            context.Live.Add(connection, index);
            _ = handover.Relay is null
                ? Task.Run(() => ServeAsync(connection, context))
                : Task.Run(() => ResumeAsync(handover, connection, context));
        }
    }

    /// <summary>The connections are the bridge's to capture; what the handler keeps beyond them (an on-demand backend) is its own.</summary>
    public BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried) => handler.Capture(into, carried);

    private void Admit(Socket socket, BoundListener listener, int index, BridgeContext context)
    {
        PeerInfo peer = PeerInfo.Of(socket);
        (int ceiling, string? shortage) = descriptors.Judge((int)socket.Handle, context.Counters.Active, _moreDescriptors);
        if (shortage is not null)
        {
            context.Counters.CountRefused(RefusalReason.Descriptors);
            socket.Dispose();
            RefuseShort(context, listener, peer.Display, shortage);
            return;
        }

        if (Volatile.Read(ref _short) == 1 && time.GetElapsedTime(Volatile.Read(ref _lastShortage)) >= ShortageSettles
            && Interlocked.Exchange(ref _short, 0) == 1)
        {
            BridgeLog.DescriptorsAvailable(context.Logger, context.Options.Name, listener.Display);
        }

        string? refusal = context.Options.Access.Refusal(peer);
        if (refusal is not null)
        {
            context.Counters.CountRefused(RefusalReason.Access);
            Refuse(socket, peer, refusal, context);
            return;
        }

        if (_rate is not null && !_rate.TryTake())
        {
            context.Counters.CountRefused(RefusalReason.Rate);
            Refuse(socket, peer, $"RateLimit ({_rate.Limit}) exceeded", context);
            return;
        }

        // Only a bridge with MaxConnectionsPerSource pays for naming the source.
        string source = _perSource is null ? string.Empty : SourceOf(peer);
        if (_perSource is not null && !_perSource.TryAcquire(source))
        {
            context.Counters.CountRefused(RefusalReason.PerSource);
            Refuse(socket, peer, $"MaxConnectionsPerSource ({_perSource.Limit}) reached for {source}", context);
            return;
        }

        if (_queue)
        {
            if (!context.Counters.TryTake(context.Options.MaxConnections))
            {
                // Another listener of the bridge took the last slot since this one found room.
                context.Counters.Enqueue();
                // Carried over by a re-exec while it waits, as one not started yet.
                string id = context.Ids.Next();
                long acceptedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                context.Live.Add(socket, carried => new ConnectionHandover { Id = id, AcceptedAt = acceptedAt, Peer = peer.Display, Listener = index, SocketFd = carried.Carry(socket.SafeHandle) });
                _ = StartWhenFreeAsync(socket, peer, source, listener, index, context, ceiling);
                return;
            }
        }
        else if (!context.Counters.TryAdmit(context.Options.MaxConnections))
        {
            _perSource?.Release(source);
            Refuse(socket, peer, $"MaxConnections ({context.Options.MaxConnections}) reached", context);
            return;
        }

        Start(socket, peer, source, listener, index, context, ceiling);
    }

    /// <summary>Serves an admitted connection, which holds a slot (and its source's, if counted).</summary>
    private void Start(Socket socket, PeerInfo peer, string source, BoundListener listener, int index, BridgeContext context, int ceiling)
    {
        try
        {
            // KeepAlive and its timers come with the socket: they are set on the listening one.
            if (socket.ProtocolType == ProtocolType.Tcp)
            {
                socket.NoDelay = context.Options.NoDelay;
            }

            var connection = new Connection(socket, context.Ids.Next(), peer, listener) { DescriptorCeiling = ceiling };
            // Registered before the gate is left: a re-exec then carries it over.
            context.Live.Add(connection, index);
            // Served on the thread pool, as Task.Run would, but without the
            // task Task.Run returns, which the connection would keep as long as it lasts.
            ThreadPool.QueueUserWorkItem(static s => _ = s.Loop.ServeAsync(s.Connection, s.Context), (Loop: this, Connection: connection, Context: context), preferLocal: false);
        }
        catch (SocketException)
        {
            // The client went away between accept and now.
            socket.Dispose();
            _perSource?.Release(source);
            context.Counters.Release();
        }
    }

    /// <summary>
    /// OnLimit queue: returns once fewer than MaxConnections are open (or
    /// accepted and waiting), so the next client is accepted only when it can
    /// be served; false when the bridge stops accepting meanwhile. Waiting
    /// leaves the clients in the listen backlog, awaiting the next release.
    /// </summary>
    private async ValueTask<bool> WaitForRoomAsync(BoundListener listener, BridgeContext context, CancellationToken waiting)
    {
        int limit = context.Options.MaxConnections;
        while (context.Counters.Active + context.Counters.Queued >= limit)
        {
            // Taken before looking again, so a release in between is not missed.
            Task released = context.Counters.NextReleaseAsync();
            if (context.Counters.Active + context.Counters.Queued < limit)
            {
                break;
            }

            Volatile.Write(ref _lastFull, time.GetTimestamp());
            if (Interlocked.Exchange(ref _full, 1) == 0)
            {
                BridgeLog.QueueingAtLimit(context.Logger, context.Options.Name, limit, listener.Display);
            }

            try
            {
                await released.WaitAsync(waiting).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            // Full until this very release.
            Volatile.Write(ref _lastFull, time.GetTimestamp());
        }

        if (Volatile.Read(ref _full) == 1 && time.GetElapsedTime(Volatile.Read(ref _lastFull)) >= ShortageSettles
            && Interlocked.Exchange(ref _full, 0) == 1)
        {
            BridgeLog.BelowLimit(context.Logger, context.Options.Name, limit, listener.Display);
        }

        return true;
    }

    /// <summary>
    /// OnLimit queue, when listeners of one bridge raced for its last slot:
    /// the connection the loser accepted waits for the next free slot, then
    /// is served. It counts as queued, not refused; a bridge that stops or
    /// retires lets its connections end and serves it then, so it is never
    /// dropped.
    /// </summary>
    private async Task StartWhenFreeAsync(Socket socket, PeerInfo peer, string source, BoundListener listener, int index, BridgeContext context, int ceiling)
    {
        int limit = context.Options.MaxConnections;
        while (!context.Counters.TryTakeQueued(limit))
        {
            Task released = context.Counters.NextReleaseAsync();
            if (context.Counters.TryTakeQueued(limit))
            {
                break;
            }

            await released.ConfigureAwait(false);
        }

        // Inside the gate, as an accept: a re-exec either waits for this or
        // finds the connection not started (and then it was never queued here).
        context.Gate.Enter();
        try
        {
            context.Live.Remove(socket);
            Start(socket, peer, source, listener, index, context, ceiling);
        }
        finally
        {
            context.Gate.Exit();
        }
    }

    /// <summary>What MaxConnectionsPerSource counts: the client's IP address, or its uid on a Unix socket.</summary>
    private static string SourceOf(PeerInfo peer) =>
        peer.Remote is { } remote ? remote.Address.ToString()
        : peer.Credentials is { } c ? $"uid {c.Uid}"
        : "an unknown source";

    /// <summary>Closes a refused connection at once and logs it, summarised when they flood.</summary>
    private void Refuse(Socket socket, PeerInfo peer, string reason, BridgeContext context)
    {
        socket.Dispose();
        Summarise(peer.Display, reason, context);
    }

    private void Summarise(string peer, string reason, BridgeContext context)
    {
        if (_refusals.TryLog((context.Logger, peer, reason), out long suppressed))
        {
            if (suppressed == 0)
            {
                BridgeLog.Refused(context.Logger, context.Options.Name, peer, reason);
            }
            else
            {
                BridgeLog.RefusedSummary(context.Logger, context.Options.Name, peer, reason, suppressed);
            }
        }
    }

    /// <summary>
    /// Accept failed for want of a descriptor: the pending client is refused
    /// with the spare one rather than left waiting. False when nothing could
    /// be done, and the loop should pause before it tries again.
    /// </summary>
    private bool RefuseWithoutDescriptor(BoundListener listener, BridgeContext context)
    {
        (int shortage, bool refused) = descriptors.RefusePending(listener.Socket.SafeHandle);
        if (shortage == 0)
        {
            // Descriptors are back: accept at once.
            return true;
        }

        string reason = DescriptorReserve.Describe(shortage);
        if (refused)
        {
            context.Counters.CountRefused(RefusalReason.Descriptors);
        }

        RefuseShort(context, listener, refused ? "a client it had no descriptor to accept with" : null, reason);
        return refused;
    }

    /// <summary>
    /// A refusal for want of descriptors (or, without <paramref name="peer"/>,
    /// a client that could not even be refused yet). The first of a shortage
    /// is logged as the shortage's error entry, which takes that second's
    /// place among the bridge's refusal entries, the refusal being counted
    /// in the next: a flood still logs one line a second. The next ones are
    /// refusals like any.
    /// </summary>
    private void RefuseShort(BridgeContext context, BoundListener listener, string? peer, string reason)
    {
        Volatile.Write(ref _lastShortage, time.GetTimestamp());
        // One at a time: the accepting thread and a connection's own (its Target
        // connect short of descriptors) can both meet the shortage first, and
        // the second must find the second's slot already taken by the first's
        // entry, not log its refusal in between (two lines 3 ms apart, seen).
        lock (_shortageGate)
        {
            if (Interlocked.Exchange(ref _short, 1) == 1)
            {
                if (peer is not null)
                {
                    Summarise(peer, reason, context);
                }

                return;
            }

            bool deferred = peer is not null && _refusals.Defer((context.Logger, peer, reason));
            BridgeLog.DescriptorsShort(context.Logger, context.Options.Name, listener.Display, reason);
            if (peer is not null && !deferred)
            {
                Summarise(peer, reason, context);
            }
        }
    }

    private async Task ServeAsync(Connection connection, BridgeContext context)
    {
        try
        {
            await handler.ServeAsync(connection, context.Stop, context.Kill).ConfigureAwait(false);
        }
        catch (DescriptorShortageException ex)
        {
            // Its Target connection or stderr pair would have eaten into the reserve.
            string reason = $"{DescriptorReserve.Shortage(descriptors.Limit)}; {ex.Message}";
            context.Counters.CountRefused(RefusalReason.Descriptors);
            RefuseShort(context, connection.Listener, connection.Peer.Display, reason);
        }
        catch (Exception ex)
        {
            BridgeLog.ConnectionFailed(context.Logger, context.Options.Name, connection.Id, ex.Message);
        }
        finally
        {
            context.Live.Remove(connection);
            connection.Dispose();
            context.Counters.Tally.RecordDuration(System.Diagnostics.Stopwatch.GetElapsedTime(connection.AcceptedAt));
            if (_perSource is not null)
            {
                _perSource.Release(SourceOf(connection.Peer));
            }
            context.Counters.Release();
        }
    }

    /// <summary>A relay or a program carried over by a re-exec, served on until it ends; it holds a slot until then.</summary>
    private async Task ResumeAsync(ConnectionHandover handover, Connection? connection, BridgeContext context)
    {
        try
        {
            await handler.ResumeAsync(handover, connection, context.Live, context.Stop, context.Kill).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            BridgeLog.ConnectionFailed(context.Logger, context.Options.Name, handover.Id, ex.Message);
        }
        finally
        {
            if (connection is not null)
            {
                context.Live.Remove(connection);
                connection.Dispose();
            }

            context.Counters.Tally.RecordDuration(System.Diagnostics.Stopwatch.GetElapsedTime(handover.AcceptedAt));
            context.Counters.Release();
        }
    }
}
