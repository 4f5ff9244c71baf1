namespace SocketBridge.Bridges;

/// <summary>A warning or error about a bridge, as logged, and when.</summary>
internal sealed record BridgeError(DateTimeOffset Time, string Message);
