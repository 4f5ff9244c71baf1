namespace SocketBridge.Endpoints;

/// <summary>
/// The sockets (or FIFO) one entry of a bridge's <c>Listen</c> made: one,
/// or one per address of a <c>tcp:</c> host name. A reload that keeps the
/// endpoint moves them to the new bridge whole.
/// </summary>
internal sealed class BoundEndpoint(ListenEndpoint endpoint, IReadOnlyList<IListener> listeners) : IDisposable
{
    public ListenEndpoint Endpoint { get; } = endpoint;

    public IReadOnlyList<IListener> Listeners { get; } = listeners;

    /// <summary>Closes every socket and removes the files the daemon created for them.</summary>
    public void Dispose()
    {
        foreach (IListener listener in Listeners)
        {
            listener.Dispose();
        }
    }
}
