using SocketBridge.Endpoints;

using SocketBridge.Handover;

namespace SocketBridge.Bridges;

/// <summary>
/// What a FIFO bridge does with a session (<see cref="FifoMode"/>): launch
/// the program with the FIFO as stdin (<see cref="FifoSpawnHandler"/>), or
/// copy the session's bytes to a new Target connection (<see cref="FifoForwardHandler"/>).
/// </summary>
internal interface IFifoSessionHandler : IAsyncDisposable
{
    /// <summary>
    /// What the sessions of <paramref name="fifo"/> share, from its loop's
    /// start to its end; null when the FIFO is closed already.
    /// </summary>
    IFifoSessions? Open(FifoListener fifo, BridgeContext context);

    /// <summary>A session's program running, for a re-exec to carry over; by default nothing.</summary>
    BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried) => into;

    /// <summary>Takes over the session program the previous image ran, before the FIFO's loop starts.</summary>
    void Resume(BridgeHandover from)
    {
    }
}
