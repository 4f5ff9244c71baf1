namespace SocketBridge.Metrics;

/// <summary>
/// Why a bridge closed a connection it had accepted without serving it: the
/// <c>reason</c> label of <c>socketbridge_connections_refused_total</c>.
/// </summary>
internal enum RefusalReason
{
    /// <summary>AllowFrom, DenyFrom, AllowUsers or AllowGroups said no.</summary>
    Access,

    /// <summary>RateLimit was exceeded.</summary>
    Rate,

    /// <summary>MaxConnectionsPerSource was reached for the client's address or uid.</summary>
    PerSource,

    /// <summary>MaxConnections was reached (OnLimit refuse).</summary>
    Max,

    /// <summary>The daemon was short of descriptors (its reserve).</summary>
    Descriptors,
}
