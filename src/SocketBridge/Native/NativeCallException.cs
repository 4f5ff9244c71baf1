namespace SocketBridge.Native;

/// <summary>A system call failed: names the call, what it was applied to and the errno text.</summary>
internal sealed class NativeCallException : IOException
{
    public NativeCallException(string call, string subject, int errno)
        : base($"{call}({subject}): {Native.Errno.Message(errno)}")
    {
        Call = call;
        Subject = subject;
        Errno = errno;
    }

    public string Call { get; }

    public string Subject { get; }

    public int Errno { get; }
}
