using System.Net.Sockets;

namespace SocketBridge.Native;

/// <summary>
/// A SocketException for an errno that a native call returned (a
/// non-blocking connect's SO_ERROR): the message is the system's own text
/// for it, as .NET's would be, and <see cref="SocketException.SocketErrorCode"/>
/// is .NET's name for the errors a caller tells apart.
/// </summary>
internal sealed class ErrnoSocketException(int errno) : SocketException((int)Native.Errno.ToSocketError(errno))
{
    public int Errno { get; } = errno;

    public override string Message => Native.Errno.Message(Errno);
}
