namespace SocketBridge.Forwarding;

/// <summary>How a relayed connection ended.</summary>
internal enum RelayOutcome
{
    /// <summary>Both sides finished sending (EOF each way).</summary>
    Completed,

    /// <summary>No byte either way for IdleTimeout.</summary>
    IdleTimeout,

    /// <summary>One side failed (reset, broken pipe); the other was reset too.</summary>
    Reset,

    /// <summary>Ended by the daemon's shutdown.</summary>
    Aborted,
}
