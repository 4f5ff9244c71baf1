using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SocketBridge.Native;

/// <summary>
/// The sockets launchd created for this job under a name of its plist's
/// <c>Sockets</c> dictionary, through launch_activate_socket(3). macOS
/// only; compiled everywhere and never called elsewhere. Not tested on
/// the Linux machines this project is built on.
/// </summary>
internal static unsafe class LaunchdSockets
{
    [SupportedOSPlatform("macos")]
    public static IReadOnlyList<Socket> Activate(string name)
    {
        int rc = NativeMethods.LaunchActivateSocket(name, out int* fds, out nuint count);
        if (rc != 0)
        {
            throw new NativeCallException("launch_activate_socket", name, rc);
        }

        try
        {
            var sockets = new List<Socket>((int)count);
            for (nuint i = 0; i < count; i++)
            {
                sockets.Add(new Socket(new SafeSocketHandle(fds[i], ownsHandle: true)));
            }

            return sockets;
        }
        finally
        {
            NativeMethods.FreeLibSystem(fds);
        }
    }
}
