using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>ProxyProtocol: the backend learns the real client (HAProxy proxy-protocol.txt).</summary>
public sealed class ProxyProtocolTests
{
    [Fact]
    public async Task A_v1_header_with_the_real_client_comes_before_the_first_client_byte()
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Backend backend = Backend.Tcp(0, async socket => seen.SetResult(await Clients.ReadToEndAsync(socket)));
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "v1": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "ProxyProtocol": "v1" } } }
            """);
        int port = await daemon.PortOfAsync("v1");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        await Clients.ExchangeAsync(client, "hello");

        Assert.Equal($"PROXY TCP4 127.0.0.1 127.0.0.1 {clientPort} {port}\r\nhello", await Wait.ForAsync(seen.Task, "the backend's bytes"));
    }

    [Fact]
    public async Task A_v2_header_parsed_by_the_backend_gives_the_ipv6_client_address_and_ports()
    {
        var seen = new TaskCompletionSource<(IPEndPoint Source, IPEndPoint Destination, string Payload)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Backend backend = Backend.Tcp(0, async socket =>
        {
            byte[] head = await ReadExactlyAsync(socket, 16);
            Assert.Equal("\r\n\r\n\0\r\nQUIT\n"u8.ToArray(), head[..12]);
            Assert.Equal(0x21, head[12]); // version 2, PROXY
            Assert.Equal(0x21, head[13]); // TCP over IPv6
            int length = (head[14] << 8) | head[15];
            byte[] addresses = await ReadExactlyAsync(socket, length);
            var source = new IPEndPoint(new IPAddress(addresses[..16]), (addresses[32] << 8) | addresses[33]);
            var destination = new IPEndPoint(new IPAddress(addresses[16..32]), (addresses[34] << 8) | addresses[35]);
            seen.SetResult((source, destination, await Clients.ReadToEndAsync(socket)));
        });
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "v2": { "Listen": "tcp:[::1]:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "ProxyProtocol": "v2" } } }
            """);
        int port = await daemon.PortOfAsync("v2");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, port);
        var local = (IPEndPoint)client.LocalEndPoint!;
        await Clients.ExchangeAsync(client, "payload");
        var (src, dst, rest) = await Wait.ForAsync(seen.Task, "the backend's parse");

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, local.Port), src);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, port), dst);
        Assert.Equal("payload", rest);
    }

    [Fact]
    public void A_unix_socket_client_has_no_address_to_tell_so_v2_sends_the_LOCAL_command()
    {
        var unix = new PeerInfo { IsUnix = true, Credentials = (1, 2, 3) };

        Assert.Equal("PROXY UNKNOWN\r\n", Encoding.ASCII.GetString(ProxyProtocolHeader.Build(ProxyProtocolVersion.V1, unix)));
        // Version 2, LOCAL; AF_UNSPEC; no address block: what every receiver must accept.
        Assert.Equal([.. "\r\n\r\n\0\r\nQUIT\n"u8.ToArray(), 0x20, 0x00, 0x00, 0x00], ProxyProtocolHeader.Build(ProxyProtocolVersion.V2, unix));
    }

    [Fact]
    public void A_client_whose_address_could_not_be_read_is_sent_as_LOCAL_too()
    {
        var gone = new PeerInfo();
        var halfKnown = new PeerInfo { Remote = new IPEndPoint(IPAddress.Loopback, 1) };

        Assert.Equal(0x20, ProxyProtocolHeader.Build(ProxyProtocolVersion.V2, gone)[12]);
        Assert.Equal(0x20, ProxyProtocolHeader.Build(ProxyProtocolVersion.V2, halfKnown)[12]);
        Assert.Equal("PROXY UNKNOWN\r\n", Encoding.ASCII.GetString(ProxyProtocolHeader.Build(ProxyProtocolVersion.V1, halfKnown)));
    }

    [Theory]
    [InlineData("fe80::1%2", "fe80::1")]
    [InlineData("::102:304", "::102:304")]
    [InlineData("::ffff:0:102:304", "::ffff:0:102:304")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [InlineData("2001:db8::", "2001:db8::")]
    [InlineData("::", "::")]
    [InlineData("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0")]
    [InlineData("FFFF:0:0:1:0:0:0:FFFF", "ffff:0:0:1::ffff")]
    [InlineData("192.0.2.1", "192.0.2.1")]
    public void A_v1_address_is_hex_groups_without_a_zone_or_a_dotted_tail(string address, string expected)
    {
        Assert.Equal(expected, ProxyProtocolHeader.Canonical(IPAddress.Parse(address)));
    }

    [Fact]
    public void A_v1_line_for_a_link_local_client_carries_no_zone()
    {
        var peer = new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse("fe80::1%2"), 50000), Local = new IPEndPoint(IPAddress.Parse("fe80::2%2"), 22) };

        Assert.Equal("PROXY TCP6 fe80::1 fe80::2 50000 22\r\n", Encoding.ASCII.GetString(ProxyProtocolHeader.Build(ProxyProtocolVersion.V1, peer)));
    }

    [Fact]
    public void A_v2_header_for_ipv4_is_28_bytes_in_network_order()
    {
        var peer = new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 0x1234), Local = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 443) };

        byte[] header = ProxyProtocolHeader.Build(ProxyProtocolVersion.V2, peer);

        Assert.Equal([0x21, 0x11, 0x00, 12, 192, 0, 2, 1, 198, 51, 100, 7, 0x12, 0x34, 0x01, 0xBB], header[12..]);
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        for (int read = 0; read < count;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            read += n;
        }

        return buffer;
    }
}
