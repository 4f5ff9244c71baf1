using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SocketBridge.Native;

/// <summary>
/// The daemon's one errno table: the Linux values it reacts to
/// (asm-generic/errno-base.h, asm-generic/errno.h), their text, and .NET's
/// name for the socket errors a caller tells apart. Every errno number in
/// the C# code is one of these names.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ENXIO = 6;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ENOSYS = 38;
    public const int EAFNOSUPPORT = 97;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETUNREACH = 101;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EINPROGRESS = 115;

    /// <summary>The system's own text for <paramref name="errno"/> (strerror(3)).</summary>
    public static string Message(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>.NET's name for the socket errors a caller tells apart; <see cref="SocketError.SocketError"/> for the rest.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        EPERM or EACCES => SocketError.AccessDenied,
        ENOENT or EADDRNOTAVAIL => SocketError.AddressNotAvailable, // ENOENT: a Unix socket's path
        EMFILE or ENFILE => SocketError.TooManyOpenSockets,
        EAGAIN => SocketError.WouldBlock,
        EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        EADDRINUSE => SocketError.AddressAlreadyInUse,
        ENETUNREACH => SocketError.NetworkUnreachable,
        ECONNRESET => SocketError.ConnectionReset,
        ENOBUFS => SocketError.NoBufferSpaceAvailable,
        ETIMEDOUT => SocketError.TimedOut,
        ECONNREFUSED => SocketError.ConnectionRefused,
        EHOSTUNREACH => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}
