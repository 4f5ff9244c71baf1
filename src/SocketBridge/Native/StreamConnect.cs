using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Native;

/// <summary>
/// connect(2) on a new non-blocking stream socket, for a relay loop that
/// waits for the connection itself: the socket is never registered with
/// .NET's own event loop, which would otherwise wake for every packet the
/// relay moves.
/// </summary>
public static unsafe class StreamConnect
{
    public const int InProgress = -115; // -EINPROGRESS
    public const int QueueFull = -Errno.EAGAIN;

    /// <summary>
    /// Starts connecting to <paramref name="address"/>: 0 (connected) or
    /// <see cref="InProgress"/>, with the socket; otherwise -errno and no socket
    /// (<see cref="QueueFull"/>: a Unix listener's queue is full, try again).
    /// </summary>
    public static int Start(EndPoint address, out Socket? socket)
    {
        socket = null;
        SocketAddress native = address.Serialize();
        int rc;
        int fd;
        fixed (byte* p = native.Buffer.Span)
        {
            rc = NativeMethods.Connect(p, native.Size, out fd);
        }

        if (fd >= 0)
        {
            // .NET takes a socket it is handed for a blocking one: say what it is.
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true)) { Blocking = false };
        }

        return rc;
    }
}
