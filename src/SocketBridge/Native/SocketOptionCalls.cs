using System.Net.Sockets;

namespace SocketBridge.Native;

/// <summary>
/// setsockopt(2) and getsockopt(2) of the options a bridge's listening
/// sockets take, and the interface lookup BindToDevice needs: the one place
/// the daemon sets socket options. A failure is a <see cref="NativeCallException"/>
/// naming the call and the kernel's name of the option.
/// </summary>
internal static class SocketOptionCalls
{
    /// <summary>The kernel's name of <paramref name="option"/>, as messages and the README give it.</summary>
    public static string KernelName(SocketOption option, AddressFamily family = AddressFamily.Unspecified) => option switch
    {
        SocketOption.ReuseAddress => "SO_REUSEADDR",
        SocketOption.ReusePort => "SO_REUSEPORT",
        SocketOption.FreeBind => family == AddressFamily.InterNetworkV6 ? "IPV6_FREEBIND" : "IP_FREEBIND",
        SocketOption.V6Only => "IPV6_V6ONLY",
        SocketOption.DeferAccept => "TCP_DEFER_ACCEPT",
        SocketOption.ReceiveBuffer => "SO_RCVBUF",
        SocketOption.SendBuffer => "SO_SNDBUF",
        SocketOption.Mark => "SO_MARK",
        SocketOption.KeepAlive => "SO_KEEPALIVE",
        SocketOption.KeepAliveTime => "TCP_KEEPIDLE",
        SocketOption.KeepAliveInterval => "TCP_KEEPINTVL",
        SocketOption.KeepAliveProbes => "TCP_KEEPCNT",
        SocketOption.PassCredentials => "SO_PASSCRED",
        _ => option.ToString(),
    };

    /// <summary>Sets <paramref name="option"/> of <paramref name="socket"/> to <paramref name="value"/>.</summary>
    public static void Set(Socket socket, SocketOption option, int value)
    {
        int rc = NativeMethods.SetSocketOption(socket.SafeHandle, (int)option, value);

        if (rc < 0)
        {
            throw new NativeCallException("setsockopt", KernelName(option, socket.AddressFamily), -rc);
        }
    }

    /// <summary>What the kernel reports for <paramref name="option"/> of <paramref name="socket"/>.</summary>
    public static int Get(Socket socket, SocketOption option)
    {
        int rc = NativeMethods.GetSocketOption(socket.SafeHandle, (int)option, out int value);

        if (rc < 0)
        {
            throw new NativeCallException("getsockopt", KernelName(option, socket.AddressFamily), -rc);
        }

        return value;
    }

    /// <summary>SO_BINDTODEVICE to the interface <paramref name="device"/>.</summary>
    public static void BindToDevice(Socket socket, string device)
    {
        int rc = NativeMethods.BindToDevice(socket.SafeHandle, device);

        if (rc < 0)
        {
            throw new NativeCallException("setsockopt", $"SO_BINDTODEVICE, {device}", -rc);
        }
    }

    /// <summary>Whether the machine has a network interface named <paramref name="name"/> (if_nametoindex(3)).</summary>
    public static bool InterfaceExists(string name) => NativeMethods.InterfaceIndex(name) != 0;
}
