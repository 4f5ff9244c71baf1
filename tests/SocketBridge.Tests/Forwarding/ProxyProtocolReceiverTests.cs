using System.Net;
using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>
/// ProxyProtocol against the receivers people put behind it: haproxy
/// (<c>accept-proxy</c>) and nginx (<c>listen ... proxy_protocol</c>), each
/// started for the test on its own port, reading the header of every kind
/// of client: IPv4, IPv6, IPv4 and IPv6 on a dual-stack <c>tcp:*</c>
/// listener, and a Unix-socket client, which has no address to tell.
/// </summary>
public sealed class ProxyProtocolReceiverTests
{
    [Theory]
    [InlineData("haproxy", "v1")]
    [InlineData("haproxy", "v2")]
    [InlineData("nginx", "v1")]
    [InlineData("nginx", "v2")]
    public async Task The_receiver_reads_the_real_client_of_every_kind_of_listener(string name, string version)
    {
        using var dir = new TempDirectory();
        int receiverPort = Ports.Free(), dual = Ports.Free();
        string unixPath = dir["clients.sock"];
        await using ProxyProtocolReceiver receiver = await ProxyProtocolReceiver.StartAsync(name, dir, receiverPort);
        string target = $"tcp:127.0.0.1:{receiverPort}";
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "four": { "Listen": "tcp:127.0.0.1:0", "Target": "{{target}}", "ProxyProtocol": "{{version}}" },
                "six": { "Listen": "tcp:[::1]:0", "Target": "{{target}}", "ProxyProtocol": "{{version}}" },
                "dual": { "Listen": "tcp:*:{{dual}}", "Target": "{{target}}", "ProxyProtocol": "{{version}}" },
                "local": { "Listen": "unix:{{unixPath}}", "Target": "{{target}}", "ProxyProtocol": "{{version}}" } } }
            """, dir);
        int v4 = await daemon.PortOfAsync("four");
        int v6 = await daemon.PortOfAsync("six");

        // Each client is told apart by its own port, which the receiver must report.
        foreach ((IPAddress client, int port) in (IEnumerable<(IPAddress, int)>)[
            (IPAddress.Loopback, v4), (IPAddress.IPv6Loopback, v6), (IPAddress.Loopback, dual), (IPAddress.IPv6Loopback, dual)])
        {
            Socket socket = await Clients.ConnectTcpAsync(client, port);
            int clientPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
            string seen = await receiver.AskAsync(socket);

            // An IPv4 client of the dual-stack listener is 127.0.0.1, never ::ffff:127.0.0.1.
            Assert.Equal($"{client} {clientPort} {client} {port}", seen);
        }

        // A Unix-socket client: v1 UNKNOWN, v2 LOCAL. Both are accepted, and
        // the receiver falls back on the connection's own endpoints (haproxy)
        // or reports no address (nginx).
        string local = await receiver.AskAsync(await Clients.ConnectUnixAsync(unixPath));
        if (receiver.ShowsConnectionEndpoints)
        {
            Assert.Matches($@"^127\.0\.0\.1 \d+ 127\.0\.0\.1 {receiverPort}$", local);
        }
        else
        {
            Assert.Equal("   ", local);
        }

        Assert.DoesNotContain(daemon.Logs, l => l.Contains(" WRN ", StringComparison.Ordinal) || l.Contains(" ERR ", StringComparison.Ordinal));
    }

    /// <summary>
    /// Addresses whose usual text the specification does not allow in a
    /// version 1 line (a link-local client's zone, a dotted IPv4 tail), and
    /// the extreme ports (1, 65535): the headers the writer makes of them are read by
    /// both receivers as the addresses they stand for.
    /// </summary>
    [Theory]
    [InlineData("haproxy")]
    [InlineData("nginx")]
    public async Task Headers_for_unusual_addresses_are_read_as_the_addresses_they_stand_for(string name)
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        await using ProxyProtocolReceiver receiver = await ProxyProtocolReceiver.StartAsync(name, dir, port);
        (string Source, int SourcePort, string Destination, int DestinationPort)[] cases =
        [
            ("fe80::1%2", 65535, "fe80::2%2", 1),
            ("::102:304", 1, "::1", 443),
            ("::ffff:0:102:304", 2, "64:ff9b::102:304", 80),
            ("2001:db8:0:0:1:0:0:1", 3, "2001:db8::", 8080),
            ("::", 1, "::", 65535),
            ("0.0.0.0", 1, "255.255.255.255", 65535),
        ];

        foreach (var c in cases)
        {
            var peer = new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse(c.Source), c.SourcePort), Local = new IPEndPoint(IPAddress.Parse(c.Destination), c.DestinationPort) };
            foreach (ProxyProtocolVersion version in (ProxyProtocolVersion[])[ProxyProtocolVersion.V1, ProxyProtocolVersion.V2])
            {
                Socket socket = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
                await socket.SendAsync(ProxyProtocolHeader.Build(version, peer));
                string[] seen = (await receiver.AskAsync(socket)).Split(' ');

                string what = $"{version} header for {c}: {name} read \"{string.Join(' ', seen)}\"";
                Assert.True(seen.Length == 4, what);
                Assert.True(Unscoped(c.Source).Equals(IPAddress.Parse(seen[0])), what);
                Assert.True(seen[1] == c.SourcePort.ToString(), what);
                Assert.True(Unscoped(c.Destination).Equals(IPAddress.Parse(seen[2])), what);
                Assert.True(seen[3] == c.DestinationPort.ToString(), what);
            }
        }
    }

    private static IPAddress Unscoped(string text) => new(IPAddress.Parse(text).GetAddressBytes());
}
