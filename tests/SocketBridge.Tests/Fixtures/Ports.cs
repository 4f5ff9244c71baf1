using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Tests.Fixtures;

/// <summary>Free loopback ports, each handed out once per test run so parallel tests never share one.</summary>
public static class Ports
{
    private static readonly ConcurrentDictionary<int, bool> Given = new();

    public static int Free(AddressFamily family = AddressFamily.InterNetwork)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            using var probe = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
            int port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            if (Given.TryAdd(port, true))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port found");
    }

    /// <summary>A port free for UDP as well as for TCP (udp: endpoints; tests that use one number for both).</summary>
    public static int FreeUdp(AddressFamily family = AddressFamily.InterNetwork)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int port = Free(family);
            using var probe = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                probe.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP: that number is spent anyway; try another.
            }
        }

        throw new InvalidOperationException("no free UDP port found");
    }
}
