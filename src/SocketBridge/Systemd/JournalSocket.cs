using System.Net.Sockets;
using SocketBridge.Native;

namespace SocketBridge.Systemd;

/// <summary>
/// journald's native socket (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/):
/// one datagram per entry to <c>/run/systemd/journal/socket</c>, or, for an
/// entry larger than a datagram may be, a sealed memfd passed over it.
/// Not thread-safe: the logging pipeline sends from one worker.
/// </summary>
internal sealed class JournalSocket : IDisposable
{
    public const string DefaultPath = "/run/systemd/journal/socket";

    /// <summary>What systemd's own clients ask for (SO_SNDBUFFORCE of 8 MiB), so bursts queue in the kernel.</summary>
    private const int SendBufferBytes = 8 * 1024 * 1024;

    private readonly string _path;
    private Socket _socket;

    private JournalSocket(string path, Socket socket)
    {
        _path = path;
        _socket = socket;
    }

    /// <summary>The journal at <paramref name="path"/>, or null when none listens there.</summary>
    public static JournalSocket? TryConnect(string path = DefaultPath)
    {
        Socket? socket = TryOpen(path);
        return socket is null ? null : new JournalSocket(path, socket);
    }

    /// <summary>Sends one entry; false when the journal cannot take it (gone, or refused the entry).</summary>
    public bool Send(ReadOnlySpan<byte> entry)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                _socket.Send(entry, SocketFlags.None);
                return true;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.NoBufferSpaceAvailable)
            {
                return Posix.JournalSendMemfd(_socket.SafeHandle, _path, entry) == 0;
            }
            catch (SocketException ex) when (attempt == 0 && ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.NotConnected)
            {
                // journald restarted and has a new socket at the same path.
                if (TryOpen(_path) is not { } reopened)
                {
                    return false;
                }

                _socket.Dispose();
                _socket = reopened;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        return false;
    }

    public void Dispose() => _socket.Dispose();

    private static Socket? TryOpen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }

        try
        {
            socket.SendBufferSize = SendBufferBytes;
        }
        catch (SocketException)
        {
            // The system's maximum applies; entries still go, bursts just block sooner.
        }

        return socket;
    }
}
