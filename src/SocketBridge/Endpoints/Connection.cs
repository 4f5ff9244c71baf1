using System.Diagnostics;
using System.Net.Sockets;

namespace SocketBridge.Endpoints;

/// <summary>One accepted connection: its socket, id, peer, and when it was accepted.</summary>
internal sealed class Connection(Socket socket, string id, PeerInfo peer, BoundListener listener) : IDisposable
{
    public Socket Socket { get; } = socket;

    /// <summary>Every descriptor kept for this connection is numbered below this (see <c>Bridges/DescriptorReserve</c>).</summary>
    public int DescriptorCeiling { get; init; } = int.MaxValue;

    public string Id { get; } = id;

    public PeerInfo Peer { get; } = peer;

    /// <summary>The listening socket it arrived on.</summary>
    public BoundListener Listener { get; } = listener;

    public long AcceptedAt { get; } = Stopwatch.GetTimestamp();

    public long ElapsedMilliseconds => (long)Stopwatch.GetElapsedTime(AcceptedAt).TotalMilliseconds;

    public void Dispose() => Socket.Dispose();
}
