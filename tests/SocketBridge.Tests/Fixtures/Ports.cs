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
}
