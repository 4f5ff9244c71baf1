using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// A DNS server that never answers, for a daemon started in a private mount
/// namespace whose /etc/resolv.conf names only it: every host name lookup
/// then hangs for the resolver's timeout. It listens (on a loopback address
/// of its own, port 53) so that no ICMP error ends the wait early.
/// </summary>
public sealed class SilentNameServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly TempDirectory _dir;

    private SilentNameServer(Socket socket, TempDirectory dir, string resolvConf)
    {
        _socket = socket;
        _dir = dir;
        // unshare runs sh, which bind-mounts the file over /etc/resolv.conf
        // in the new namespace and then execs the daemon ("$@").
        Launcher = ["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", resolvConf];
    }

    /// <summary>What to give <see cref="Daemon.StartAsync(string[], TempDirectory, bool, IDictionary{string, string}?, string[]?)"/> as its launcher.</summary>
    public string[] Launcher { get; }

    /// <summary>Lookups hang <paramref name="timeoutSeconds"/> (one try), then fail.</summary>
    public static SilentNameServer Start(int timeoutSeconds)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        for (int attempt = 0; ; attempt++)
        {
            var address = new IPAddress([127, 53, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]);
            try
            {
                socket.Bind(new IPEndPoint(address, 53));
                break;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }

        var dir = new TempDirectory();
        string resolvConf = dir.Write("resolv.conf", $"nameserver {((IPEndPoint)socket.LocalEndPoint!).Address}\noptions timeout:{timeoutSeconds} attempts:1\n");
        return new SilentNameServer(socket, dir, resolvConf);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
