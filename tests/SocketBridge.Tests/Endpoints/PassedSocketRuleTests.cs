using System.Net.Sockets;
using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Endpoints;

/// <summary>What a socket passed by name may be, once its type is known: the rules the configuration applies to the endpoints it can see.</summary>
[Trait("Category", "Unit")]
public sealed class PassedSocketRuleTests
{
    private const string Display = "udp:127.0.0.1:53 (passed by systemd as dns)";

    [Theory]
    [InlineData("spawn")]
    [InlineData("forward")]
    public void A_datagram_socket_serves_in_handoff_mode_only(string mode)
    {
        var rule = new PassedSocketRule(mode, AcceptsDatagrams: false, RelayTarget: null);

        Assert.Equal(
            $"it is a datagram socket ({Display}), which works in handoff mode only, not in {mode} mode (set \"Mode\": \"handoff\")",
            rule.Problem(SocketType.Dgram, Display));
    }

    [Theory]
    [InlineData(SocketType.Dgram)]
    [InlineData(SocketType.Stream)]
    [InlineData(SocketType.Seqpacket)]
    public void A_handoff_bridge_takes_every_type(SocketType type)
    {
        var rule = new PassedSocketRule("handoff", AcceptsDatagrams: true, RelayTarget: null);

        Assert.Null(rule.Problem(type, Display));
    }

    [Fact]
    public void A_spawn_bridge_takes_stream_and_seqpacket_sockets()
    {
        var rule = new PassedSocketRule("spawn", AcceptsDatagrams: false, RelayTarget: null);

        Assert.Null(rule.Problem(SocketType.Stream, Display));
        Assert.Null(rule.Problem(SocketType.Seqpacket, Display));
    }

    [Fact]
    public void A_forward_bridge_relays_stream_to_stream_and_seqpacket_to_seqpacket()
    {
        var toTcp = new PassedSocketRule("forward", AcceptsDatagrams: false, RelayTarget: new TcpEndpoint("127.0.0.1", 80));
        var toSeqpacket = new PassedSocketRule("forward", AcceptsDatagrams: false, RelayTarget: new UnixEndpoint("@back", SocketType.Seqpacket));

        Assert.Null(toTcp.Problem(SocketType.Stream, "s"));
        Assert.Null(toSeqpacket.Problem(SocketType.Seqpacket, "s"));
        Assert.Equal(
            "it is a seqpacket socket (s), and Target tcp:127.0.0.1:80 a stream: a forward bridge relays stream to stream and seqpacket to seqpacket",
            toTcp.Problem(SocketType.Seqpacket, "s"));
        Assert.Equal(
            "it is a stream socket (s), and Target unix-seqpacket:@back a seqpacket socket: a forward bridge relays stream to stream and seqpacket to seqpacket",
            toSeqpacket.Problem(SocketType.Stream, "s"));
    }
}
