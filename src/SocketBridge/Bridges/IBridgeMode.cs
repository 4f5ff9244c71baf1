using SocketBridge.Endpoints;
using SocketBridge.Handover;

namespace SocketBridge.Bridges;

/// <summary>
/// How a bridge uses its listening sockets: accept and hand each
/// connection to an <see cref="IConnectionHandler"/> (<see cref="AcceptLoop"/>),
/// launch a program that accepts itself (<see cref="HandoffMode"/>), or
/// serve a FIFO's sessions (<see cref="FifoMode"/>). The
/// <see cref="Bridge"/> does not know which.
/// </summary>
internal interface IBridgeMode : IAsyncDisposable
{
    /// <summary>Serves one listener until <see cref="BridgeContext.Accepting"/> is cancelled.</summary>
    Task RunAsync(IListener listener, BridgeContext context);

    /// <summary>
    /// Serves all of a bridge's listeners until <see cref="BridgeContext.Accepting"/>
    /// is cancelled. By default each on its own, sharing the mode (and so the
    /// bridge's limits); handoff watches them together, for one program gets them all.
    /// </summary>
    Task RunAsync(IReadOnlyList<IListener> listeners, BridgeContext context) =>
        Task.WhenAll(listeners.Select(listener => Task.Run(() => RunAsync(listener, context))));

    /// <summary>
    /// What a re-exec carries over of this mode's work into <paramref name="into"/>
    /// (the daemon held still), its descriptors copied through
    /// <paramref name="carried"/>. By default nothing.
    /// </summary>
    BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried) => into;

    /// <summary>Takes over what the previous image's bridge of this name was doing, before <see cref="RunAsync(IReadOnlyList{IListener}, BridgeContext)"/>.</summary>
    void Resume(BridgeHandover from, IReadOnlyList<IListener> listeners, BridgeContext context)
    {
    }
}
