using SocketBridge.Bridges;

namespace SocketBridge.Control;

/// <summary>The answer to <c>status</c>: the daemon and each of its bridges.</summary>
public sealed record StatusResponse(string Version, int Pid, string Summary, IReadOnlyList<string> Files, IReadOnlyList<BridgeStatus> Bridges);
