namespace SocketBridge.Endpoints;

/// <summary>What a bridge listens on: a socket (<see cref="BoundListener"/>) or a FIFO (<see cref="FifoListener"/>).</summary>
internal interface IListener : IDisposable
{
    /// <summary>How logs and <c>status</c> show it.</summary>
    string Display { get; }

    /// <summary>Stops listening; idempotent. A file the daemon created stays until <see cref="IDisposable.Dispose"/>.</summary>
    void Close();
}
