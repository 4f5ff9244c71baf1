using SocketBridge.Endpoints;

namespace SocketBridge.Bridges;

/// <summary>
/// How a bridge uses one of its listening sockets: accept and hand each
/// connection to an <see cref="IConnectionHandler"/> (<see cref="AcceptLoop"/>),
/// launch a program that accepts itself (<see cref="HandoffMode"/>), or
/// serve a FIFO's sessions (<see cref="FifoSpawnMode"/>, <see cref="FifoForwardMode"/>). The
/// <see cref="Bridge"/> does not know which.
/// </summary>
public interface IBridgeMode : IAsyncDisposable
{
    /// <summary>Runs until <see cref="BridgeContext.Accepting"/> is cancelled.</summary>
    Task RunAsync(IListener listener, BridgeContext context);
}
