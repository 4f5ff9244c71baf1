using SocketBridge.Endpoints;
using SocketBridge.Native;

namespace SocketBridge.Bridges;

/// <summary>
/// What waits on each of a handoff bridge's sockets, as the kernel tells it
/// without anything being accepted or read: on a listening socket, the
/// connections in its accept queue, each by an id that stays the same while
/// it waits (sock_diag(7)); on a datagram socket, the first datagram and the
/// bytes queued (<see cref="DatagramQueue"/>). Taken before and after a
/// launch, it tells a program that served what waited from one that left it
/// (<see cref="RelaunchBackoff"/>).
/// </summary>
internal sealed class HandoffQueues
{
    private readonly ulong[]?[] _connections;
    private readonly DatagramQueue?[] _datagrams;

    private HandoffQueues(ulong[]?[] connections, DatagramQueue?[] datagrams)
    {
        _connections = connections;
        _datagrams = datagrams;
    }

    /// <summary>Whether something waits on one of the sockets.</summary>
    public bool Any
    {
        get
        {
            for (int i = 0; i < _connections.Length; i++)
            {
                if (_connections[i] is { Length: > 0 } || _datagrams[i] is { IsEmpty: false })
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>What waits on each of <paramref name="listeners"/> now; null when the kernel cannot say for one of them.</summary>
    public static HandoffQueues? Take(IReadOnlyList<BoundListener> listeners, int backlog)
    {
        var connections = new ulong[]?[listeners.Count];
        var datagrams = new DatagramQueue?[listeners.Count];
        for (int i = 0; i < listeners.Count; i++)
        {
            try
            {
                if (listeners[i].IsDatagram)
                {
                    datagrams[i] = Posix.WaitingDatagrams(listeners[i].Socket.SafeHandle);
                    if (datagrams[i] is null)
                    {
                        return null;
                    }
                }
                else if ((connections[i] = Posix.QueuedConnections(listeners[i].Socket.SafeHandle, backlog)) is null)
                {
                    return null;
                }
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
        }

        return new HandoffQueues(connections, datagrams);
    }

    /// <summary>
    /// Whether the program took something that waited when this was taken:
    /// a connection queued then is no longer queued in <paramref name="after"/>
    /// (new arrivals meanwhile do not hide it), or datagrams waiting then were read.
    /// </summary>
    public bool WasServedBy(HandoffQueues after)
    {
        for (int i = 0; i < _connections.Length; i++)
        {
            if (_connections[i] is { } before && after._connections[i] is { } left && !left.ToHashSet().IsSupersetOf(before))
            {
                return true;
            }

            if (_datagrams[i] is { } waited && after._datagrams[i] is { } now && waited.WasReadBy(now))
            {
                return true;
            }
        }

        return false;
    }
}
