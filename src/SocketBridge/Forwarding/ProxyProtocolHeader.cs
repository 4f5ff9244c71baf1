using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Bridges;

namespace SocketBridge.Forwarding;

/// <summary>
/// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and
/// 2) that tells the backend who the real client is: source and
/// destination addresses of the client's connection. A Unix-socket client
/// has no IP address: v1 says UNKNOWN, v2 sends the PROXY command with
/// AF_UNSPEC and no addresses.
/// </summary>
public static class ProxyProtocolHeader
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] Build(ProxyProtocolVersion version, PeerInfo peer) => version switch
    {
        ProxyProtocolVersion.V1 => BuildV1(peer),
        ProxyProtocolVersion.V2 => BuildV2(peer),
        _ => [],
    };

    private static byte[] BuildV1(PeerInfo peer)
    {
        if (peer.Remote is not { } source || peer.Local is not { } destination || source.AddressFamily != destination.AddressFamily)
        {
            return "PROXY UNKNOWN\r\n"u8.ToArray();
        }

        string family = source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes($"PROXY {family} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n");
    }

    private static byte[] BuildV2(PeerInfo peer)
    {
        if (peer.Remote is not { } source || peer.Local is not { } destination || source.AddressFamily != destination.AddressFamily)
        {
            // Version 2, PROXY; AF_UNSPEC, no address block.
            return [.. V2Signature, 0x21, 0x00, 0x00, 0x00];
        }

        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        int addressLength = v4 ? 4 : 16;
        int length = (2 * addressLength) + 4;
        byte[] header = new byte[16 + length];
        V2Signature.CopyTo(header, 0);
        header[12] = 0x21;                 // version 2, command PROXY
        header[13] = v4 ? (byte)0x11 : (byte)0x21; // TCP over IPv4 / IPv6
        header[14] = (byte)(length >> 8);
        header[15] = (byte)length;
        source.Address.TryWriteBytes(header.AsSpan(16, addressLength), out _);
        destination.Address.TryWriteBytes(header.AsSpan(16 + addressLength, addressLength), out _);
        int ports = 16 + (2 * addressLength);
        WritePort(header, ports, source.Port);
        WritePort(header, ports + 2, destination.Port);
        return header;
    }

    private static void WritePort(byte[] header, int offset, int port)
    {
        header[offset] = (byte)(port >> 8);
        header[offset + 1] = (byte)port;
    }
}
