using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Native;

/// <summary>
/// connect(2) on a new non-blocking stream (or seqpacket) socket, for a relay loop that
/// waits for the connection itself: the socket is never registered with
/// .NET's own event loop, which would otherwise wake for every packet the
/// relay moves.
/// </summary>
internal static unsafe class StreamConnect
{
    public const int InProgress = -Errno.EINPROGRESS;
    public const int QueueFull = -Errno.EAGAIN;

    private const int SockStream = 1;    // SOCK_STREAM
    private const int SockSeqPacket = 5; // SOCK_SEQPACKET

    /// <summary>
    /// Starts connecting a socket of <paramref name="type"/> (Stream, or
    /// Seqpacket for a unix-seqpacket Target) to <paramref name="address"/>:
    /// 0 (connected) or <see cref="InProgress"/>, with the socket; otherwise
    /// -errno and no socket (<see cref="QueueFull"/>: a Unix listener's queue
    /// is full, try again).
    /// </summary>
    public static int Start(EndPoint address, SocketType type, out Socket? socket)
    {
        socket = null;
        SocketAddress native = address.Serialize();
        int rc;
        int fd;
        fixed (byte* p = native.Buffer.Span)
        {
            rc = NativeMethods.Connect(p, native.Size, type == SocketType.Seqpacket ? SockSeqPacket : SockStream, out fd);
        }

        if (fd >= 0)
        {
            // Non-blocking, though .NET takes it for a blocking one: a relay
            // uses it through native calls only, and telling .NET (Blocking =
            // false) would give it .NET's event-loop state, about 230 bytes
            // for as long as the connection lasts. Whoever uses .NET's own
            // calls on it sets Blocking = false first.
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }

        return rc;
    }
}
