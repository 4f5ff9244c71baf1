using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Logging;
using SocketBridge.Native;
using SocketBridge.Systemd;

namespace SocketBridge.Hosting;

/// <summary>
/// Keeps the listening sockets the daemon bound itself in systemd's
/// file-descriptor store (<see cref="FileDescriptorStore"/>), each under its
/// <see cref="StoredSocketName"/>, so that a restart, a crash or kill -9
/// keeps the listeners and the connections queued on them: the next start
/// gets them back in LISTEN_FDS and adopts them (<see cref="ListenerBinder"/>).
/// Sockets a socket unit passed are systemd's already and are not stored;
/// FIFOs are not stored either (the bytes a session left half-read in one
/// would reach the next session's program as the start of its stream).
/// What it stored and what came back from the store are released by name
/// (FDSTOREREMOVE=1) once no bridge listens there. Without a store
/// (NOTIFY_SOCKET and FDSTORE) nothing is stored, and stored sockets passed
/// in anyway are only closed when unclaimed.
/// </summary>
internal sealed partial class ListenerStore
{
    private readonly FileDescriptorStore _store;
    private readonly InheritedSockets _inherited;
    private readonly ILogger<ListenerStore> _logger;
    /// <summary>What systemd keeps under each name, as far as this process knows; changed under its own lock.</summary>
    private readonly Dictionary<string, Socket> _stored = new(StringComparer.Ordinal);

    public ListenerStore(FileDescriptorStore store, InheritedSockets inherited, ILogger<ListenerStore> logger)
    {
        _store = store;
        _inherited = inherited;
        _logger = logger;
        // systemd keeps what it passes back from its store until it is told to remove it.
        foreach (InheritedSocket socket in inherited.All)
        {
            if (socket.IsStored && store.IsEnabled)
            {
                _stored[socket.Name] = socket.Socket;
            }
        }
    }

    /// <summary>
    /// At start, before the bridges bind: releases the stored sockets no
    /// configured endpoint can take (by name, or by address and type), so
    /// their addresses are free for whatever binds there now.
    /// </summary>
    public void ReleaseUnclaimed(IReadOnlyList<BridgeOptions> bridges)
    {
        foreach (InheritedSocket socket in _inherited.TakeStoredWhere(s => !IsClaimed(s, bridges)))
        {
            Release(socket.Name, socket.Display, socket.Socket);
        }
    }

    /// <summary>
    /// Once the bridges are bound (start) or swapped (reload): releases the
    /// stored sockets nobody took, stores every socket of a running bridge
    /// that the store does not hold under its name yet, and removes the
    /// names no running socket has any more.
    /// </summary>
    public void Update(IReadOnlyList<Bridge> bridges)
    {
        foreach (InheritedSocket socket in _inherited.TakeStoredWhere(_ => true))
        {
            Release(socket.Name, socket.Display, socket.Socket);
        }

        if (!_store.IsEnabled)
        {
            return;
        }

        var wanted = new Dictionary<string, BoundListener>(StringComparer.Ordinal);
        foreach (Bridge bridge in bridges)
        {
            foreach (BoundEndpoint endpoint in bridge.Endpoints)
            {
                for (int i = 0; i < endpoint.Listeners.Count; i++)
                {
                    // Not a FIFO, and not a socket unit's socket (systemd keeps those itself).
                    if (endpoint.Listeners[i] is BoundListener listener && (listener.InheritedName is null || StoredSocketName.IsStored(listener.InheritedName)))
                    {
                        wanted[StoredSocketName.For(bridge.Options.Name, endpoint.Endpoint, i)] = listener;
                    }
                }
            }
        }

        lock (_stored)
        {
            // Removed first: a socket that moved to another name (a renamed
            // bridge) is stored anew only once its old entry is gone, since
            // systemd keeps one entry per open file and would keep the old name.
            foreach ((string name, Socket socket) in _stored.ToArray())
            {
                if (!wanted.TryGetValue(name, out BoundListener? listener) || listener.Socket != socket)
                {
                    _stored.Remove(name);
                    Release(name, listener?.Display ?? "closed", socket: null);
                }
            }

            foreach ((string name, BoundListener listener) in wanted)
            {
                if (!_stored.ContainsKey(name))
                {
                    if (_stored.Count >= _store.Capacity)
                    {
                        LogFailed(_logger, "store", name, _store.Address, $"the store is full (FDSTORE={_store.Capacity}, FileDescriptorStoreMax=)");
                        continue;
                    }

                    try
                    {
                        _store.Store(name, listener.Socket.SafeHandle);
                        _stored[name] = listener.Socket;
                        LogStored(_logger, name, listener.Display);
                    }
                    catch (Exception ex) when (ex is NativeCallException or ObjectDisposedException)
                    {
                        LogFailed(_logger, "store", name, _store.Address, ex.Message);
                        continue;
                    }
                }

                listener.StoredName = name;
            }
        }
    }

    /// <summary>
    /// At a stop: the stored sockets stay open until the process exits, and
    /// their files stay, for the next start (<see cref="BoundListener.KeepForNextStart"/>).
    /// </summary>
    public void KeepForNextStart(IReadOnlyList<Bridge> bridges)
    {
        int kept = 0;
        lock (_stored)
        {
            foreach (Bridge bridge in bridges)
            {
                foreach (IListener listener in bridge.Listeners)
                {
                    if (listener is BoundListener { StoredName: { } name } bound && _stored.TryGetValue(name, out Socket? socket) && socket == bound.Socket)
                    {
                        bound.KeepForNextStart();
                        kept++;
                    }
                }
            }
        }

        if (kept > 0)
        {
            LogKept(_logger, kept);
        }
    }

    /// <summary>Whether some endpoint of <paramref name="bridges"/> takes <paramref name="socket"/> when it binds (as <see cref="ListenerBinder"/> does).</summary>
    private static bool IsClaimed(InheritedSocket socket, IReadOnlyList<BridgeOptions> bridges)
    {
        foreach (BridgeOptions bridge in bridges)
        {
            foreach (ListenEndpoint listen in bridge.Listen.Endpoints)
            {
                switch (listen.Endpoint)
                {
                    case InetEndpoint:
                        for (int i = 0; i < listen.Addresses.Count; i++)
                        {
                            if (socket.IsBoundTo(listen.Addresses[i], listen.SocketType)
                                || (socket.Name == StoredSocketName.For(bridge.Name, listen, i) && socket.Fits(listen.Addresses[i], listen.SocketType)))
                            {
                                return true;
                            }
                        }

                        break;
                    case UnixEndpoint unix when socket.IsBoundTo(unix.Path, unix.Type):
                        return true;
                }
            }
        }

        return false;
    }

    /// <summary>FDSTOREREMOVE=1 for <paramref name="name"/>, and closes <paramref name="socket"/> (a passed one nobody took).</summary>
    private void Release(string name, string address, Socket? socket)
    {
        socket?.Dispose();
        if (!_store.IsEnabled)
        {
            LogReleased(_logger, name, address, "closed");
            return;
        }

        try
        {
            _store.Remove(name);
            LogReleased(_logger, name, address, "removed from the store and closed");
        }
        catch (NativeCallException ex)
        {
            LogFailed(_logger, "remove", name, _store.Address, ex.Message);
        }
    }

    [LoggerMessage(EventId = LogEventIds.SocketStored, Level = LogLevel.Debug, Message = "file-descriptor store: stored {Address} as {FdName}")]
    private static partial void LogStored(ILogger logger, string fdName, string address);

    [LoggerMessage(EventId = LogEventIds.StoredSocketReleased, Level = LogLevel.Information, Message = "file-descriptor store: released {FdName} ({Address}): no bridge listens there any more; {Outcome}")]
    private static partial void LogReleased(ILogger logger, string fdName, string address, string outcome);

    [LoggerMessage(EventId = LogEventIds.FdStoreFailed, Level = LogLevel.Warning, Message = "file-descriptor store: cannot {Action} {FdName} at NOTIFY_SOCKET={NotifySocket}: {Error}; a restart binds it anew")]
    private static partial void LogFailed(ILogger logger, string action, string fdName, string notifySocket, string error);

    [LoggerMessage(EventId = LogEventIds.StoredSocketsKept, Level = LogLevel.Information, Message = "stopping: {Count} listening socket(s) stay in systemd's file-descriptor store with their files and queued connections, for the next start")]
    private static partial void LogKept(ILogger logger, int count);
}
