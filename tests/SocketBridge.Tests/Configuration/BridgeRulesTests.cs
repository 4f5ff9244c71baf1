using System.Net;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Configuration;

/// <summary>The small cross-key validators, each on its own, with the messages the reader reports.</summary>
[Trait("Category", "Unit")]
public sealed class BridgeRulesTests
{
    private static readonly ListenEndpoint Tcp = new(new TcpEndpoint("127.0.0.1", 80), [new IPEndPoint(IPAddress.Loopback, 80)]);
    private static readonly ListenEndpoint Unix = new(new UnixEndpoint("/run/x.sock"));
    private static readonly ListenEndpoint Fifo = new(new FifoEndpoint("/run/x.fifo"));
    private static readonly ListenEndpoint Datagram = new(new UnixEndpoint("/run/d.sock", System.Net.Sockets.SocketType.Dgram));

    [Fact]
    public void A_listen_set_names_no_file_twice_and_keeps_a_fifo_alone()
    {
        var errors = new ErrorCollector();
        ConfigNode listen = ModeRuleTests.Node("Listen");

        Assert.True(ListenSetRule.Check(listen, [Tcp, Unix], errors));
        Assert.False(ListenSetRule.Check(listen, [Unix, new ListenEndpoint(new UnixEndpoint("/run//x.sock"))], errors));
        Assert.False(ListenSetRule.Check(listen, [Fifo, Tcp], errors));

        Assert.Equal(
            [
                "unix:/run//x.sock is listed twice (Listen[0] is unix:/run/x.sock)",
                "fifo:/run/x.fifo must be the bridge's only endpoint: a FIFO has sessions, not connections (give it a bridge of its own)",
            ],
            errors.Errors.Select(e => e.Message));
    }

    [Fact]
    public void A_handoff_program_gets_at_most_the_sockets_a_launch_passes()
    {
        var errors = new ErrorCollector();
        ConfigNode bridge = ModeRuleTests.Bridge("Listen");
        ListenEndpoint[] many = [.. Enumerable.Range(0, BridgeOptionsReader.MaxListenEndpoints + 1).Select(i => new ListenEndpoint(new UnixEndpoint($"/run/{i}.sock")))];

        HandoffSocketsRule.Check(bridge, errors, BridgeMode.Spawn, many);
        HandoffSocketsRule.Check(bridge, errors, BridgeMode.Handoff, null);
        Assert.Empty(errors.Errors);

        HandoffSocketsRule.Check(bridge, errors, BridgeMode.Handoff, many);
        Assert.StartsWith($"makes {many.Length} sockets", Assert.Single(errors.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_datagram_socket_is_no_target_and_serves_handoff_mode_only()
    {
        Assert.Null(SocketTypeRules.DatagramTargetProblem(new UnixEndpoint("/run/x.sock")));
        Assert.StartsWith("udp:127.0.0.1:53 is a datagram socket", SocketTypeRules.DatagramTargetProblem(new UdpEndpoint("127.0.0.1", 53)), StringComparison.Ordinal);

        var errors = new ErrorCollector();
        ConfigNode bridge = ModeRuleTests.Bridge("Listen");
        SocketTypeRules.Check(new BridgeShape(bridge, BridgeMode.Handoff, [Datagram], null), errors);
        Assert.Empty(errors.Errors);

        SocketTypeRules.Check(new BridgeShape(bridge, BridgeMode.Spawn, [Datagram], null), errors);
        ConfigurationError error = Assert.Single(errors.Errors);
        Assert.Equal("Bridges:b:Listen", error.Key);
        Assert.StartsWith("spawn mode cannot serve Listen unix-dgram:/run/d.sock, a datagram socket: it has no connections to accept and launch a program for", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StandardError_socket_needs_a_connection_of_the_programs_own()
    {
        ConfigNode bridge = ModeRuleTests.Bridge("StandardError");

        Assert.Null(StandardErrorRule.SocketProblem(new BridgeShape(bridge, BridgeMode.Spawn, [Tcp], null)));
        Assert.Equal("a handoff program has no connection of its own to write to (use journal or null)", StandardErrorRule.SocketProblem(new BridgeShape(bridge, BridgeMode.Handoff, [Tcp], null)));
        Assert.Equal("a FIFO is read-only: a program reading a fifo: Listen cannot write to it (use journal or null)", StandardErrorRule.SocketProblem(new BridgeShape(bridge, BridgeMode.Spawn, [Fifo], null)));
    }

    [Fact]
    public void As_root_a_bridge_that_launches_a_program_names_its_user()
    {
        var errors = new ErrorCollector();
        ConfigNode spawn = ModeRuleTests.Bridge("Exec");
        ConfigNode forward = ModeRuleTests.Bridge("Target");

        ProgramAccountRules.CheckUserNamed(new BridgeShape(forward, BridgeMode.Forward, [Tcp], null), new Machine(uid: 0), errors);
        ProgramAccountRules.CheckUserNamed(new BridgeShape(spawn, BridgeMode.Spawn, [Tcp], null), new Machine(uid: 1000), errors);
        Assert.Empty(errors.Errors);

        ProgramAccountRules.CheckUserNamed(new BridgeShape(spawn, BridgeMode.Spawn, [Tcp], null), new Machine(uid: 0), errors);
        ConfigurationError error = Assert.Single(errors.Errors);
        Assert.Equal("Bridges:b:User", error.Key);
        Assert.StartsWith("is required when socketbridge runs as root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_root_starts_a_program_as_another_account()
    {
        var errors = new ErrorCollector();
        ConfigNode bridge = ModeRuleTests.Bridge("User");

        Assert.True(ProgramAccountRules.CheckCanSwitch(bridge, 65534, 65534, new Machine(uid: 0), errors));
        Assert.True(ProgramAccountRules.CheckCanSwitch(bridge, 1000, 1000, new Machine(uid: 1000), errors));
        Assert.False(ProgramAccountRules.CheckCanSwitch(bridge, 65534, 65534, new Machine(uid: 1000), errors));

        Assert.Equal("launching programs as another user or group needs the daemon to run as root", Assert.Single(errors.Errors).Message);
    }

    [Fact]
    public void A_fifo_target_takes_no_backend_and_no_proxy_header()
    {
        var errors = new ErrorCollector();
        ConfigNode bridge = ModeRuleTests.Bridge("Exec");
        ConfigNode proxy = ModeRuleTests.Node("ProxyProtocol");

        Assert.True(TargetRules.CheckBackend(ModeRuleTests.Bridge("Target"), proxy, new FifoEndpoint("/run/t.fifo"), errors));
        Assert.False(TargetRules.CheckBackend(bridge, proxy, new FifoEndpoint("/run/t.fifo"), errors));
        Assert.True(TargetRules.CheckProxyProtocol(new BridgeShape(bridge, BridgeMode.Forward, [Tcp], new TcpEndpoint("127.0.0.1", 81)), proxy, errors));
        Assert.False(TargetRules.CheckProxyProtocol(new BridgeShape(bridge, BridgeMode.Forward, [Tcp], new FifoEndpoint("/run/t.fifo")), proxy, errors));
        Assert.True(TargetRules.CheckExitIdleTime(new BridgeShape(bridge, BridgeMode.Forward, [Tcp], null), proxy, errors));
        Assert.False(TargetRules.CheckExitIdleTime(new BridgeShape(ModeRuleTests.Bridge("Target"), BridgeMode.Forward, [Tcp], null), proxy, errors));

        Assert.Equal(
            [
                "an on-demand backend (Exec) with a fifo: Target is not supported yet (use tcp: or unix:)",
                "does not apply to a fifo: Target (it needs a tcp: or unix: backend)",
                "only applies to a forward bridge with an Exec (an on-demand backend)",
            ],
            errors.Errors.Select(e => e.Message));
    }

    private sealed class Machine(uint uid) : ConfigurationEnvironment
    {
        public override uint EffectiveUid => uid;

        public override uint EffectiveGid => uid;
    }
}
