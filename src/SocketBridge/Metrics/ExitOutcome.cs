namespace SocketBridge.Metrics;

/// <summary>How a launched program ended: the <c>outcome</c> label of <c>socketbridge_program_exits_total</c>.</summary>
internal enum ExitOutcome
{
    /// <summary>Exit status 0.</summary>
    Status0,

    /// <summary>Any other exit status.</summary>
    StatusOther,

    /// <summary>Killed by a signal.</summary>
    Signal,
}
