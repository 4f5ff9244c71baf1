using SocketBridge.Bridges;

namespace SocketBridge.Control;

/// <summary>
/// What the daemon runs, as <c>status</c> reports it: the one-line summary
/// the service manager shows too (STATUS=), the configuration files in
/// force, and a row per bridge, the retiring ones too.
/// </summary>
internal sealed record DaemonStatus(string Summary, IReadOnlyList<string> Files, IReadOnlyList<BridgeStatus> Bridges);
