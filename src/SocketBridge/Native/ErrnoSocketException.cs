using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>
/// A SocketException for an errno that a native call returned (a
/// non-blocking connect's SO_ERROR): the message is the system's own text
/// for it, as .NET's would be, and <see cref="SocketException.SocketErrorCode"/>
/// is .NET's name for the errors a caller tells apart.
/// </summary>
public sealed class ErrnoSocketException(int errno) : SocketException((int)ToSocketError(errno))
{
    public int Errno { get; } = errno;

    public override string Message => Marshal.GetPInvokeErrorMessage(Errno);

    private static SocketError ToSocketError(int errno) => errno switch
    {
        1 or 13 => SocketError.AccessDenied,               // EPERM, EACCES
        2 or 99 => SocketError.AddressNotAvailable,        // ENOENT (a Unix socket's path), EADDRNOTAVAIL
        24 or 23 => SocketError.TooManyOpenSockets,        // EMFILE, ENFILE
        Native.Errno.EAGAIN => SocketError.WouldBlock,
        97 => SocketError.AddressFamilyNotSupported,       // EAFNOSUPPORT
        98 => SocketError.AddressAlreadyInUse,             // EADDRINUSE
        101 => SocketError.NetworkUnreachable,             // ENETUNREACH
        104 => SocketError.ConnectionReset,                // ECONNRESET
        105 => SocketError.NoBufferSpaceAvailable,         // ENOBUFS
        110 => SocketError.TimedOut,                       // ETIMEDOUT
        111 => SocketError.ConnectionRefused,              // ECONNREFUSED
        113 => SocketError.HostUnreachable,                // EHOSTUNREACH
        _ => SocketError.SocketError,
    };
}
