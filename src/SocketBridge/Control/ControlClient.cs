using System.Net.Sockets;
using System.Text;
using SocketBridge.Native;

namespace SocketBridge.Control;

/// <summary>The command-line side of the control socket: one request, the whole answer.</summary>
internal static class ControlClient
{
    /// <summary>
    /// Sends <paramref name="request"/> and returns the daemon's JSON answer;
    /// throws <see cref="SocketException"/> when no daemon listens at
    /// <paramref name="path"/>, and <see cref="UntrustedControlSocketException"/>
    /// when the listener is neither root nor this user (SO_PEERCRED), before
    /// a byte is sent: a reload as root must not be talked into anything by a
    /// socket another user put there.
    /// </summary>
    public static async Task<string> SendAsync(string path, string request, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        (_, uint peer, _) = Posix.PeerCredentials(socket.SafeHandle);
        uint self = Posix.EffectiveUid;
        if (peer != 0 && peer != self)
        {
            throw new UntrustedControlSocketException(path, peer, Accounts.UserName(peer), self);
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(request + "\n"), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        using var answer = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        while (true)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            answer.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
    }
}
