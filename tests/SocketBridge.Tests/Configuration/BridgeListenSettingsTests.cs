using System.Net.Sockets;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Configuration;

/// <summary>The binders' part of a bridge's options: its name, socket files, backlog, and the passed sockets its mode can serve.</summary>
[Trait("Category", "Unit")]
public sealed class BridgeListenSettingsTests
{
    private static BridgeOptions Bridge(BridgeMode mode, Endpoint? target = null) => new()
    {
        Name = "b",
        File = "/etc/socketbridge/bridges.d/b.json",
        Listen = new ListenOptions
        {
            Endpoints = [new ListenEndpoint(new SystemdEndpoint("b"))],
            SocketMode = 0x180, // 0600
            SocketUid = 1000,
            SocketGid = 1001,
            Backlog = 16,
        },
        Mode = mode,
        Forward = target is null ? null : new ForwardOptions { Target = target },
    };

    [Fact]
    public void The_name_socket_files_and_backlog_are_the_bridges()
    {
        ListenSettings settings = Bridge(BridgeMode.Spawn).ToListenSettings();

        Assert.Equal("b", settings.Bridge);
        Assert.Equal(new SocketFileSettings(0x180, 1000, 1001, SocketDirectory.DefaultMode), settings.File);
        Assert.Equal(16, settings.Backlog);
    }

    [Fact]
    public void Only_a_handoff_bridge_accepts_a_passed_datagram_socket()
    {
        Assert.Equal(new PassedSocketRule("handoff", AcceptsDatagrams: true, RelayTarget: null), Bridge(BridgeMode.Handoff).ToListenSettings().PassedSockets);
        Assert.Equal(new PassedSocketRule("spawn", AcceptsDatagrams: false, RelayTarget: null), Bridge(BridgeMode.Spawn).ToListenSettings().PassedSockets);
    }

    [Fact]
    public void A_forward_bridge_matches_passed_sockets_to_a_socket_Target_but_not_to_a_FIFO()
    {
        var seqpacket = new UnixEndpoint("@back", SocketType.Seqpacket);

        Assert.Equal(new PassedSocketRule("forward", AcceptsDatagrams: false, RelayTarget: seqpacket), Bridge(BridgeMode.Forward, seqpacket).ToListenSettings().PassedSockets);
        Assert.Null(Bridge(BridgeMode.Forward, new FifoEndpoint("/run/b.fifo")).ToListenSettings().PassedSockets.RelayTarget);
    }
}
