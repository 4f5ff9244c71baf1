using SocketBridge.Endpoints;

namespace SocketBridge.Bridges;

/// <summary>
/// How a bridge uses one of its listening sockets: accept and hand each
/// connection to an <see cref="IConnectionHandler"/> (<see cref="AcceptLoop"/>),
/// or launch a program that accepts itself (<see cref="HandoffMode"/>). The
/// <see cref="Bridge"/> does not know which.
/// </summary>
public interface IBridgeMode : IAsyncDisposable
{
    /// <summary>Runs until <see cref="BridgeContext.Accepting"/> is cancelled.</summary>
    Task RunAsync(BoundListener listener, BridgeContext context);
}
