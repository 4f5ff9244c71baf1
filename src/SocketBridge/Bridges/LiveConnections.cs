using System.Collections.Concurrent;
using SocketBridge.Endpoints;
using SocketBridge.Handover;

namespace SocketBridge.Bridges;

/// <summary>
/// The connections a bridge is serving, for a re-exec to carry over: each
/// is registered from its admission to its end, with how to describe it.
/// </summary>
internal sealed class LiveConnections
{
    private readonly ConcurrentDictionary<object, Entry> _entries = new(ReferenceEqualityComparer.Instance);

    /// <summary>An accepted connection that came in on listener <paramref name="listenerIndex"/> of its bridge.</summary>
    /// <remarks>No delegate per connection: an entry is kept as long as the connection, idle or not.</remarks>
    public void Add(Connection connection, int listenerIndex) => _entries[connection] = new Entry(listenerIndex, null);

    /// <summary>A connection the daemon holds no socket of (a program carried over serves it), described by <paramref name="capture"/>.</summary>
    public void Add(object key, Func<CarriedDescriptors, ConnectionHandover> capture) => _entries[key] = new Entry(-1, capture);

    public void Remove(object key) => _entries.TryRemove(key, out _);

    /// <summary>
    /// What the next image needs of each connection (the daemon held still:
    /// the handover gate closed, the relay loops and the reaper frozen).
    /// <paramref name="relays"/> are the relays the loops were running, by
    /// connection id; a relaying connection not among them has just ended,
    /// and ends with this image. Connections in no state to carry over are
    /// counted in <paramref name="left"/>.
    /// </summary>
    public List<ConnectionHandover> Capture(IReadOnlyDictionary<string, RelayHandover> relays, CarriedDescriptors carried, ref int left)
    {
        var captured = new List<ConnectionHandover>();
        foreach ((object key, Entry entry) in _entries)
        {
            ConnectionHandover? handover = entry.Capture is { } capture ? capture(carried) : Describe((Connection)key, entry.Listener, relays, carried);
            if (handover is null)
            {
                continue;
            }

            if (handover.Id.Length == 0)
            {
                left++;
                continue;
            }

            captured.Add(handover);
        }

        return captured;
    }

    /// <summary>Null for a connection that is ending anyway; an empty id for one that cannot be carried over.</summary>
    private static ConnectionHandover? Describe(Connection connection, int listener, IReadOnlyDictionary<string, RelayHandover> relays, CarriedDescriptors carried)
    {
        ConnectionHandover handover = new() { Id = connection.Id, AcceptedAt = connection.AcceptedAt, Peer = connection.Peer.Display, Listener = listener };
        return connection.Phase switch
        {
            // Closed meanwhile (refused, or its handler failed): it ends with this image.
            ConnectionPhase.Fresh => carried.Carry(connection.Socket.SafeHandle) is >= 0 and int fd ? handover with { SocketFd = fd } : null,
            ConnectionPhase.Relaying when relays.TryGetValue(connection.Id, out RelayHandover? relay) => handover with { Relay = Carry(relay, carried) },
            ConnectionPhase.Program when connection.ProgramCapture is { } program => handover with { Program = program(carried) },
            ConnectionPhase.Bound => handover with { Id = string.Empty },
            _ => null,
        };
    }

    /// <summary>An accepted connection's listener; or how to describe a connection the daemon holds no socket of.</summary>
    private readonly record struct Entry(int Listener, Func<CarriedDescriptors, ConnectionHandover>? Capture);

    /// <summary>A relay's descriptors, copied for the exec (its loop holds still, so they cannot close meanwhile).</summary>
    private static RelayHandover Carry(RelayHandover relay, CarriedDescriptors carried) => relay with
    {
        ClientFd = carried.Carry(relay.ClientFd),
        TargetFd = carried.Carry(relay.TargetFd),
        Up = relay.Up with { PipeReadFd = carried.Carry(relay.Up.PipeReadFd), PipeWriteFd = carried.Carry(relay.Up.PipeWriteFd) },
        Down = relay.Down with { PipeReadFd = carried.Carry(relay.Down.PipeReadFd), PipeWriteFd = carried.Carry(relay.Down.PipeWriteFd) },
    };
}
