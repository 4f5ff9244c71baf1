using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// Free loopback ports, each handed out once per test run so parallel tests
/// never share one. They come from below the kernel's ephemeral range
/// (net.ipv4.ip_local_port_range, 32768 and up by default): a client's
/// connect(2) and every bind to port 0 take their port from that range, so
/// a port picked there could be taken by one of them between the pick and
/// the daemon's bind. Below it only an explicit bind takes a port, and the
/// probe below sees one already bound. The band stops short of 28801, where
/// make bench's fixed ports start.
/// </summary>
public static class Ports
{
    private const int BandStart = 20000;
    private const int BandEnd = 28800; // exclusive: bench/spawn-rate.sh uses 28801 and up

    private static readonly ConcurrentDictionary<int, bool> Given = new();

    /// <summary>Where the next candidate is looked for: a random start, so two runs at once rarely try the same ports.</summary>
    private static int _next = Random.Shared.Next(BandStart, BandEnd);

    private static readonly int End = Math.Min(BandEnd, EphemeralRangeStart());

    public static int Free(AddressFamily family = AddressFamily.InterNetwork)
    {
        int span = End - BandStart;
        if (span < 1000)
        {
            // An ephemeral range that starts this low leaves no band: fall back to the kernel's pick.
            return FreeFromKernel(family);
        }

        for (int attempt = 0; attempt < span; attempt++)
        {
            int port = BandStart + ((Interlocked.Increment(ref _next) - BandStart) % span + span) % span;
            if (Given.TryAdd(port, true) && IsFree(family, SocketType.Stream, port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free port found from {BandStart} to {End - 1}");
    }

    /// <summary>A port free for UDP as well as for TCP (udp: endpoints; tests that use one number for both).</summary>
    public static int FreeUdp(AddressFamily family = AddressFamily.InterNetwork)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int port = Free(family);
            if (IsFree(family, SocketType.Dgram, port))
            {
                return port;
            }

            // Taken for UDP: that number is spent anyway; try another.
        }

        throw new InvalidOperationException("no free UDP port found");
    }

    private static bool IsFree(AddressFamily family, SocketType type, int port)
    {
        using var probe = new Socket(family, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(Loopback(family), port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreeFromKernel(AddressFamily family)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            using var probe = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(Loopback(family), 0));
            int port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            if (Given.TryAdd(port, true))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port found");
    }

    private static IPAddress Loopback(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;

    /// <summary>The first port of the kernel's ephemeral range; 32768, its default, when it cannot be read.</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
