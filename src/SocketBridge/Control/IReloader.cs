namespace SocketBridge.Control;

/// <summary>What the control socket asks for <c>reload</c> (the daemon's hosting does it, as for SIGHUP).</summary>
internal interface IReloader
{
    /// <summary>Reloads now, after a reload under way; the outcome, to be sent back.</summary>
    Task<ReloadResult> ReloadAsync(CancellationToken cancellationToken);
}
