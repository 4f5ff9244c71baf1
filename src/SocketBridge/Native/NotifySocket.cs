using System.Runtime.InteropServices;
using System.Text;

namespace SocketBridge.Native;

/// <summary>
/// sd_pid_notify_with_fds(3)'s wire protocol: one datagram to the service
/// manager's NOTIFY_SOCKET (a path, or '@' for the abstract namespace),
/// with a descriptor in SCM_RIGHTS when one is passed. Sent with
/// MSG_DONTWAIT: a full queue at the service manager fails (EAGAIN) rather
/// than blocking the daemon.
/// </summary>
internal static unsafe class NotifySocket
{
    /// <summary>Sends <paramref name="message"/>, passing <paramref name="descriptor"/> if given.</summary>
    /// <exception cref="NativeCallException">sendmsg failed; the exception names the address and errno.</exception>
    public static void Send(string address, string message, SafeHandle? descriptor = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        int rc;
        fixed (byte* text = bytes)
        {
            rc = descriptor is null
                ? NativeMethods.Notify(address, text, bytes.Length)
                : NativeMethods.NotifyWithDescriptor(address, text, bytes.Length, descriptor);
        }

        if (rc < 0)
        {
            throw new NativeCallException("sendmsg", $"NOTIFY_SOCKET={address}", -rc);
        }
    }
}
