namespace SocketBridge.Bridges;

/// <summary>The sessions of one FIFO, served one after the other (see <see cref="IFifoSessionHandler"/>).</summary>
internal interface IFifoSessions : IDisposable
{
    /// <summary>
    /// Serves the session that begins now that the FIFO is readable, until
    /// it ends; false when the FIFO's loop must end (the FIFO was closed, or
    /// it cannot be read).
    /// </summary>
    Task<bool> RunAsync();

    /// <summary>Before the first session: one carried over by a re-exec, watched to its end; false when the loop must end.</summary>
    Task<bool> ResumeAsync() => Task.FromResult(true);
}
