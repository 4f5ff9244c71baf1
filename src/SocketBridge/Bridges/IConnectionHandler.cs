using SocketBridge.Endpoints;
using SocketBridge.Handover;

namespace SocketBridge.Bridges;

/// <summary>
/// What an accepting bridge does with each connection (SPEC 5: spawn,
/// forward). The accept loop does not know which.
/// </summary>
internal interface IConnectionHandler
{
    /// <summary>
    /// Serves one connection and completes when it is finished. When
    /// <paramref name="stop"/> fires the connection is asked to end (SIGTERM);
    /// when <paramref name="kill"/> fires it is ended (SIGKILL).
    /// </summary>
    Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill);

    /// <summary>
    /// Goes on serving a connection the daemon's previous image was serving
    /// (a re-exec): a relay or a program that <paramref name="handover"/>
    /// describes: a relay with <paramref name="connection"/> made of its
    /// client socket (registered in <paramref name="live"/> already), a
    /// program with none (the handler registers it). (One that had not
    /// started is served with <see cref="ServeAsync"/>.)
    /// </summary>
    Task ResumeAsync(ConnectionHandover handover, Connection? connection, LiveConnections live, CancellationToken stop, CancellationToken kill);

    /// <summary>What the handler keeps beyond connections (an on-demand backend), for a re-exec; by default nothing.</summary>
    BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried) => into;

    /// <summary>Takes over what <see cref="Capture"/> gave, before any connection is resumed.</summary>
    void Resume(BridgeHandover from, Microsoft.Extensions.Logging.ILogger logger)
    {
    }
}
