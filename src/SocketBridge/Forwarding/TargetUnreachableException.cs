namespace SocketBridge.Forwarding;

/// <summary>The Target refused, timed out or does not exist; the message names it and why.</summary>
internal sealed class TargetUnreachableException(string message) : Exception(message);
