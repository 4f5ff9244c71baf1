using SocketBridge.Bridges;
using SocketBridge.Logging;

namespace SocketBridge.Control;

/// <summary>
/// The answer to <c>status</c>: the daemon, each of its bridges, and each of
/// its log sinks with the entries it dropped (null from a daemon that does not say).
/// </summary>
internal sealed record StatusResponse(string Version, int Pid, string Summary, IReadOnlyList<string> Files, IReadOnlyList<BridgeStatus> Bridges, IReadOnlyList<LogSinkStatus>? Log = null);
