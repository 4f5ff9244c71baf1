using System.Text;
using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// What execve(2) takes (Linux fs/exec.c): each argument or environment
/// string at most MAX_ARG_STRLEN bytes with its NUL, and all of them, with a
/// pointer each and the program's path, within the argument space (ARG_MAX
/// as the kernel applies it). Beyond either, every launch fails with E2BIG.
/// </summary>
internal static class ArgumentSpace
{
    /// <summary>MAX_ARG_STRLEN: 32 pages of 4 KiB, the terminating NUL included.</summary>
    public const int MaxString = 131072;

    public const int PointerSize = 8;

    /// <summary>
    /// Bytes kept for each variable the daemon itself adds (SPEC 5: PATH,
    /// LISTEN_*, UPSTART_*, PROTO, REMOTE_*, TCP*, FIFO_PATH, SOCKETBRIDGE_*), whose
    /// values are short: numbers, addresses, "connection". The bridge name
    /// and a Unix socket's or a FIFO's path, which can be longer, are counted as they are.
    /// </summary>
    private const int ReservedValue = 128;

    public static long Limit => Native.Posix.ArgumentSpace;

    /// <summary>The bytes a string takes in the new program's memory: UTF-8 and a NUL.</summary>
    public static int Bytes(string value) => Encoding.UTF8.GetByteCount(value) + 1;

    /// <summary>The string's size when execve would refuse it, else null.</summary>
    public static int? TooLong(string value) => Bytes(value) is var bytes && bytes > MaxString ? bytes : null;

    /// <summary>Room for the variables socketbridge adds to a program of the bridge <paramref name="name"/> listening on <paramref name="listen"/>.</summary>
    public static long Reserved(string name, IReadOnlyList<ListenEndpoint> listen)
    {
        long reserved = 0;
        foreach (string variable in ReservedVariables.Names)
        {
            reserved += variable.Length + 2 + ReservedValue + PointerSize;
        }

        // PATH, and the NULL pointers that end argv and envp.
        reserved += ReservedValue + PointerSize + (2 * PointerSize);

        // SOCKETBRIDGE_BRIDGE and UPSTART_JOB carry the name, and LISTEN_FDNAMES
        // (handoff) the name once a socket; SOCKET_PATH or FIFO_PATH a path, the longest one.
        int sockets = listen.Sum(e => Math.Max(1, e.Addresses.Count));
        reserved += (2 + sockets) * (Encoding.UTF8.GetByteCount(name) + 1);
        int longest = 0;
        foreach (ListenEndpoint endpoint in listen)
        {
            if (endpoint.Endpoint is UnixEndpoint unix)
            {
                longest = Math.Max(longest, Encoding.UTF8.GetByteCount(unix.Path));
            }
            else if (endpoint.Endpoint is FifoEndpoint fifo)
            {
                longest = Math.Max(longest, Encoding.UTF8.GetByteCount(fifo.Path));
            }
        }

        reserved += longest;

        return reserved;
    }
}
