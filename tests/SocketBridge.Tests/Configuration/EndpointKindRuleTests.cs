using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Configuration;

/// <summary>A key must mean something for one endpoint of Listen at least; an unknown Listen says nothing.</summary>
[Trait("Category", "Unit")]
public sealed class EndpointKindRuleTests
{
    private static readonly ListenEndpoint Tcp = new(new TcpEndpoint("127.0.0.1", 80), [new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 80)]);
    private static readonly ListenEndpoint Unix = new(new UnixEndpoint("/run/x.sock"));
    private static readonly ListenEndpoint Abstract = new(new UnixEndpoint("@x"));
    private static readonly ListenEndpoint Fifo = new(new FifoEndpoint("/run/x.fifo"));
    private static readonly ListenEndpoint Passed = new(new SystemdEndpoint("web"));

    [Theory]
    [InlineData("AllowFrom", "applies to TCP clients, not to unix:/run/x.sock (use AllowUsers or AllowGroups for Unix sockets)")]
    [InlineData("SocketMode", "only applies to a unix:/path or fifo: endpoint, not unix:/run/x.sock")]
    public void A_key_for_no_endpoint_of_the_bridge_is_refused_naming_them(string name, string expected)
    {
        ListenEndpoint[] listen = name == "SocketMode" ? [Abstract] : [Unix];
        expected = name == "SocketMode" ? expected.Replace("unix:/run/x.sock", "unix:@x", StringComparison.Ordinal) : expected;
        var errors = new ErrorCollector();

        Assert.False(EndpointKindRule.Check(BridgeKeys.Find(name)!, ModeRuleTests.Node(name), Shape(name, listen), errors));

        Assert.Equal(expected, Assert.Single(errors.Errors).Message);
    }

    [Fact]
    public void Each_client_list_judges_its_own_kind_on_a_bridge_listening_on_both()
    {
        var errors = new ErrorCollector();

        Assert.True(EndpointKindRule.Check(BridgeKeys.AllowFrom, ModeRuleTests.Node("AllowFrom"), Shape("AllowFrom", [Unix, Tcp]), errors));
        Assert.True(EndpointKindRule.Check(BridgeKeys.AllowUsers, ModeRuleTests.Node("AllowUsers"), Shape("AllowUsers", [Unix, Tcp]), errors));
        Assert.True(EndpointKindRule.Check(BridgeKeys.AllowUsers, ModeRuleTests.Node("AllowUsers"), Shape("AllowUsers", [Passed]), errors));

        Assert.Empty(errors.Errors);
    }

    [Fact]
    public void A_fifo_has_no_sources_and_no_address_to_pass_on()
    {
        var errors = new ErrorCollector();

        Assert.False(EndpointKindRule.Check(BridgeKeys.RateLimit, ModeRuleTests.Node("RateLimit"), Shape("RateLimit", [Fifo]), errors));
        Assert.False(EndpointKindRule.Check(BridgeKeys.ProxyProtocol, ModeRuleTests.Node("ProxyProtocol"), Shape("ProxyProtocol", [Fifo]), errors));

        Assert.Equal(
            ["does not apply to fifo:/run/x.fifo: a FIFO has sessions, not connections from sources", "does not apply to a fifo: Listen: a FIFO's writers have no address to pass on"],
            errors.Errors.Select(e => e.Message));
    }

    [Fact]
    public void An_unknown_listen_says_nothing()
    {
        var errors = new ErrorCollector();
        ConfigNode bridge = ModeRuleTests.Bridge("SocketMode");

        Assert.True(EndpointKindRule.Check(BridgeKeys.SocketMode, bridge["SocketMode"]!, new BridgeShape(bridge, BridgeMode.Spawn, Listen: null, Target: null), errors));

        Assert.Empty(errors.Errors);
    }

    private static BridgeShape Shape(string key, IReadOnlyList<ListenEndpoint> listen) =>
        new(ModeRuleTests.Bridge(key), BridgeMode.Spawn, listen, Target: null);
}
