namespace SocketBridge.Handover;

/// <summary>The handover state cannot be read: its message names the file and the field.</summary>
internal sealed class HandoverException : Exception
{
    public HandoverException(string message)
        : base(message)
    {
    }

    public HandoverException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
