using SocketBridge.Endpoints;

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
}
