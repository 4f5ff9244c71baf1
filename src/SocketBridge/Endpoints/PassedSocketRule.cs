using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>
/// Which sockets passed by name (<c>systemd:</c>) a bridge can serve. Their
/// type is known only once the daemon has taken them, so the rules the
/// configuration applies to the endpoints it can see are applied then: a
/// datagram socket serves in handoff mode only (<paramref name="AcceptsDatagrams"/>),
/// and a forward bridge relays stream to stream and seqpacket to seqpacket
/// (<paramref name="RelayTarget"/>, its socket Target; null when the bridge
/// does not forward, or forwards to a FIFO).
/// </summary>
/// <param name="Mode">The bridge's mode as messages name it (spawn, handoff, forward).</param>
internal sealed record PassedSocketRule(string Mode, bool AcceptsDatagrams, Endpoint? RelayTarget)
{
    /// <summary>Why a passed socket of <paramref name="type"/>, shown as <paramref name="display"/>, cannot serve; null when it can.</summary>
    public string? Problem(SocketType type, string display)
    {
        SocketType target = RelayTarget is UnixEndpoint unix ? unix.Type : SocketType.Stream;
        return type == SocketType.Dgram && !AcceptsDatagrams
            ? $"it is a datagram socket ({display}), which works in handoff mode only, not in {Mode} mode (set \"Mode\": \"handoff\")"
            : RelayTarget is not null && type != SocketType.Dgram && type != target
            ? $"it is a {(type == SocketType.Seqpacket ? "seqpacket" : "stream")} socket ({display}), and Target {RelayTarget} a {(target == SocketType.Seqpacket ? "seqpacket socket" : "stream")}: a forward bridge relays stream to stream and seqpacket to seqpacket"
            : null;
    }
}
