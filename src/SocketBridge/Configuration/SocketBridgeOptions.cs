namespace SocketBridge.Configuration;

/// <summary>The whole validated configuration: the daemon's section and every bridge.</summary>
public sealed record SocketBridgeOptions(DaemonOptions Daemon, IReadOnlyList<BridgeOptions> Bridges, IReadOnlyList<string> Files);
