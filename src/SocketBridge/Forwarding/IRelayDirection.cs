using SocketBridge.Handover;
using SocketBridge.Native;

namespace SocketBridge.Forwarding;

/// <summary>
/// One direction of a relayed connection, as <see cref="SpliceRelay"/>
/// drives it: bytes of a stream (<see cref="SpliceDirection"/>) or whole
/// messages of a seqpacket connection (<see cref="MessageDirection"/>).
/// </summary>
internal interface IRelayDirection : IDisposable
{
    /// <summary>Bytes delivered to the receiving socket.</summary>
    long Moved { get; }

    /// <summary>EOF came and everything before it was delivered; the receiver was told (half-close).</summary>
    bool Finished { get; }

    /// <summary>Something taken from the sender waits for the receiver.</summary>
    bool HasPending { get; }

    /// <summary>Whether news from the sender could be acted on now.</summary>
    bool WantsInput { get; }

    /// <summary>Whether the receiver's room is awaited.</summary>
    bool WantsOutput { get; }

    /// <summary>The sender has something (or an EOF, or an error) to read; <paramref name="closing"/> when it is going away.</summary>
    void SourceReady(bool closing);

    /// <summary>The receiver can take more.</summary>
    void SinkReady();

    /// <summary>Moves what can be moved now; 0, or -errno when a socket failed.</summary>
    int Shovel(NativeBuffer scratch, out bool progressed);

    /// <summary>What the next image needs to go on where this one stands (on the loop's thread, the loop held still).</summary>
    DirectionHandover Capture();
}
