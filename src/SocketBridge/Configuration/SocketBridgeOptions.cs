namespace SocketBridge.Configuration;

/// <summary>The whole validated configuration: the daemon's section and every bridge.</summary>
internal sealed record SocketBridgeOptions(DaemonOptions Daemon, IReadOnlyList<BridgeOptions> Bridges, IReadOnlyList<string> Files)
{
    /// <summary>What the configuration does that is allowed but worth saying, logged at start and at each reload.</summary>
    public IReadOnlyList<ConfigurationWarning> Warnings { get; init; } = [];
}
