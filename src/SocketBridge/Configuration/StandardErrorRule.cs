namespace SocketBridge.Configuration;

/// <summary>StandardError "socket" writes to the connection: a bridge whose program has none of its own to write to refuses it.</summary>
internal static class StandardErrorRule
{
    /// <summary>Why StandardError cannot be the connection on this bridge, or null when it can.</summary>
    public static string? SocketProblem(BridgeShape shape) =>
        shape.IsFifo ? "a FIFO is read-only: a program reading a fifo: Listen cannot write to it (use journal or null)"
        : shape.Mode == BridgeMode.Handoff ? "a handoff program has no connection of its own to write to (use journal or null)"
        : null;
}
