using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Forwarding;

/// <summary>
/// The PROXY protocol header (HAProxy's doc/proxy-protocol.txt, versions 1
/// and 2) that tells the backend who the real client is: source and
/// destination addresses of the client's connection, an IPv4 client of a
/// dual-stack listener as IPv4 (PeerInfo unmaps it). A client without an IP
/// address (a Unix-socket client) cannot be described: v1 says UNKNOWN, and
/// v2 sends the LOCAL command with AF_UNSPEC and no address block, the only
/// such header every receiver must accept (section 2.2: PROXY with
/// AF_UNSPEC may be rejected, and haproxy does). Both make the backend use
/// the connection's own endpoints, the daemon's.
/// </summary>
internal static class ProxyProtocolHeader
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>The 13th byte: version 2 in the high nibble, the command in the low one.</summary>
    private const byte V2Local = 0x20;
    private const byte V2Proxy = 0x21;

    /// <summary>The 14th byte: address family in the high nibble, transport in the low one.</summary>
    private const byte Unspecified = 0x00;
    private const byte TcpOverIPv4 = 0x11;
    private const byte TcpOverIPv6 = 0x21;

    public static byte[] Build(ProxyProtocolVersion version, PeerInfo peer) => version switch
    {
        ProxyProtocolVersion.V1 => BuildV1(peer),
        ProxyProtocolVersion.V2 => BuildV2(peer),
        _ => [],
    };

    /// <summary>The client's and the listener's addresses, when they can be told: both IP, of one family.</summary>
    private static bool TryAddresses(PeerInfo peer, out IPEndPoint source, out IPEndPoint destination)
    {
        source = peer.Remote!;
        destination = peer.Local!;
        return peer.Remote is { AddressFamily: AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 }
            && peer.Local is not null && peer.Remote.AddressFamily == peer.Local.AddressFamily;
    }

    private static byte[] BuildV1(PeerInfo peer)
    {
        if (!TryAddresses(peer, out IPEndPoint source, out IPEndPoint destination))
        {
            return "PROXY UNKNOWN\r\n"u8.ToArray();
        }

        string family = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"PROXY {family} {Canonical(source.Address)} {Canonical(destination.Address)} {source.Port} {destination.Port}\r\n"));
    }

    private static byte[] BuildV2(PeerInfo peer)
    {
        if (!TryAddresses(peer, out IPEndPoint source, out IPEndPoint destination))
        {
            // LOCAL, AF_UNSPEC, no address block.
            return [.. V2Signature, V2Local, Unspecified, 0x00, 0x00];
        }

        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        int addressLength = v4 ? 4 : 16;
        int length = (2 * addressLength) + 4;
        byte[] header = new byte[16 + length];
        V2Signature.CopyTo(header, 0);
        header[12] = V2Proxy;
        header[13] = v4 ? TcpOverIPv4 : TcpOverIPv6;
        header[14] = (byte)(length >> 8);
        header[15] = (byte)length;
        source.Address.TryWriteBytes(header.AsSpan(16, addressLength), out _);
        destination.Address.TryWriteBytes(header.AsSpan(16 + addressLength, addressLength), out _);
        int ports = 16 + (2 * addressLength);
        WritePort(header, ports, source.Port);
        WritePort(header, ports + 2, destination.Port);
        return header;
    }

    /// <summary>
    /// An address as version 1 wants it: IPv4 dotted, IPv6 as colon-separated
    /// hex groups with at most one "::" (RFC 5952). Never a zone ("%eth0",
    /// which IPAddress.ToString adds to a link-local client) nor a dotted
    /// IPv4 tail ("::1.2.3.4", which it writes for some IPv6 addresses):
    /// the specification allows neither, and receivers reject the line.
    /// </summary>
    internal static string Canonical(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        Span<int> groups = stackalloc int[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = (bytes[2 * i] << 8) | bytes[(2 * i) + 1];
        }

        // The longest run of two or more zero groups, the first of equals, becomes "::".
        int bestStart = -1, bestLength = 1;
        for (int i = 0; i < 8;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }

            int start = i;
            while (i < 8 && groups[i] == 0)
            {
                i++;
            }

            if (i - start > bestLength)
            {
                bestStart = start;
                bestLength = i - start;
            }
        }

        var text = new StringBuilder(39);
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.Append("::");
                i += bestLength - 1;
                continue;
            }

            if (text.Length > 0 && text[^1] != ':')
            {
                text.Append(':');
            }

            text.Append(groups[i].ToString("x", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private static void WritePort(byte[] header, int offset, int port)
    {
        header[offset] = (byte)(port >> 8);
        header[offset + 1] = (byte)port;
    }
}
