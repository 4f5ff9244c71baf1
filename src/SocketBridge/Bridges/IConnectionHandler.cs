namespace SocketBridge.Bridges;

/// <summary>
/// What a bridge does with each accepted connection (SPEC 5). The accept loop
/// does not know whether it spawns, hands off or forwards.
/// </summary>
public interface IBridgeMode
{
    /// <summary>
    /// Serves one connection and completes when it is finished. When
    /// <paramref name="stop"/> fires the connection is asked to end (SIGTERM);
    /// when <paramref name="kill"/> fires it is ended (SIGKILL).
    /// </summary>
    Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill);
}
