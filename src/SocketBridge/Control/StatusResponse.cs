using SocketBridge.Bridges;
using SocketBridge.Logging;

namespace SocketBridge.Control;

/// <summary>
/// The answer to <c>status</c>: the daemon, each of its bridges, and each of
/// its log sinks with the entries it dropped (null from a daemon that does not say),
/// and where its metrics are served (empty when SocketBridge:Metrics is off; null from a daemon that predates them).
/// </summary>
internal sealed record StatusResponse(string Version, int Pid, string Summary, IReadOnlyList<string> Files, IReadOnlyList<BridgeStatus> Bridges, IReadOnlyList<LogSinkStatus>? Log = null, IReadOnlyList<string>? Metrics = null);
