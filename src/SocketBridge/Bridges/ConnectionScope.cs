using System.Collections;
using SocketBridge.Endpoints;

namespace SocketBridge.Bridges;

/// <summary>
/// The fields of one connection (SPEC 6 names), carried as a logging scope
/// so every entry about the connection has them. Built when first read: most
/// connections log nothing at the usual levels.
/// </summary>
internal sealed class ConnectionScope(string bridge, Connection connection) : IReadOnlyList<KeyValuePair<string, object>>
{
    // Two threads reading it first may both build it: the same fields, and either will do.
    private KeyValuePair<string, object>[]? _fields;

    public int Count => Fields.Length;

    public KeyValuePair<string, object> this[int index] => Fields[index];

    private KeyValuePair<string, object>[] Fields => _fields ??= Build(bridge, connection);

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object>>)Fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => Fields.GetEnumerator();

    public override string ToString() => $"{bridge} {connection.Id}";

    private static KeyValuePair<string, object>[] Build(string bridge, Connection connection)
    {
        PeerInfo peer = connection.Peer;
        if (peer.Remote is { } remote)
        {
            return
            [
                new("Bridge", bridge),
                new("ConnectionId", connection.Id),
                new("RemoteAddr", remote.Address.ToString()),
                new("RemotePort", remote.Port),
            ];
        }

        if (peer.Credentials is { } c)
        {
            return
            [
                new("Bridge", bridge),
                new("ConnectionId", connection.Id),
                new("RemoteUid", c.Uid),
                new("RemotePid", c.Pid),
            ];
        }

        return [new("Bridge", bridge), new("ConnectionId", connection.Id)];
    }
}
