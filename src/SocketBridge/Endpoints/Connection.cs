using System.Diagnostics;
using System.Net.Sockets;
using SocketBridge.Handover;

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

    /// <summary>When it was accepted (Stopwatch timestamp); carried over by a re-exec.</summary>
    public long AcceptedAt { get; init; } = Stopwatch.GetTimestamp();

    /// <summary>How far serving it got (set inside the handover gate).</summary>
    public ConnectionPhase Phase { get; set; }

    /// <summary>In <see cref="ConnectionPhase.Program"/>: what the next image needs to watch the program on.</summary>
    public Func<CarriedDescriptors, ProgramHandover>? ProgramCapture { get; set; }

    public long ElapsedMilliseconds => (long)Stopwatch.GetElapsedTime(AcceptedAt).TotalMilliseconds;

    public void Dispose() => Socket.Dispose();
}
