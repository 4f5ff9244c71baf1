using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>Where a bridge listens and how its listening sockets and socket files are made.</summary>
internal sealed record ListenOptions
{
    /// <summary>
    /// Every endpoint of <c>Listen</c>, in the order written (one when it is a
    /// string): the bridge's connections on all of them share its limits,
    /// counters and access rules, and a handoff program gets their sockets in this order.
    /// </summary>
    public required IReadOnlyList<ListenEndpoint> Endpoints { get; init; }

    public uint SocketMode { get; init; } = 0x1B0; // 0660

    public uint? SocketUid { get; init; }

    public uint? SocketGid { get; init; }

    public int Backlog { get; init; } = 4096;

    /// <summary>
    /// The socket options of the bridge's listening sockets (ReusePort,
    /// KeepAlive...), all of them; each endpoint of <see cref="Endpoints"/>
    /// carries the part that applies to it.
    /// </summary>
    public SocketOptions SocketOptions { get; init; } = SocketOptions.None;

    /// <summary>The endpoints as messages show them.</summary>
    public override string ToString() => string.Join(", ", Endpoints);
}
