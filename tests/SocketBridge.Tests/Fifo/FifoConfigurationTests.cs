using SocketBridge.Configuration;
using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Fifo;

/// <summary>What a fifo: endpoint may be combined with, checked when the configuration is loaded.</summary>
[Trait("Category", "Unit")]
public sealed class FifoConfigurationTests
{
    [Fact]
    public void A_fifo_is_a_valid_Listen_in_spawn_and_forward_mode_and_a_valid_Target()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": {
                "in": { "Listen": "fifo:/run/in.fifo", "User": "root", "Exec": ["/bin/cat"], "SocketMode": "0620" },
                "up": { "Listen": "fifo:/run/up.fifo", "Target": "tcp:127.0.0.1:80" },
                "down": { "Listen": "tcp:127.0.0.1:7001", "Target": "fifo:/run/down.fifo" } } }
            """);

        Assert.Equal(["fifo:/run/in.fifo", "fifo:/run/up.fifo", "tcp:127.0.0.1:7001"], options.Bridges.Select(b => Assert.Single(b.Listen.Endpoints).ToString()).Order());
        Assert.Equal(new FifoEndpoint("/run/down.fifo"), options.Bridges.Single(b => b.Name == "down").Forward!.Target);
    }

    [Theory]
    [InlineData("\"Listen\": \"fifo:/run/x.fifo\", \"Mode\": \"handoff\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"]", "Mode: handoff mode with a fifo: Listen is not supported yet (use spawn or forward)")]
    [InlineData("\"Listen\": \"fifo:/run/x.fifo\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"StandardError\": \"socket\"", "StandardError: a FIFO is read-only: a program reading a fifo: Listen cannot write to it (use journal or null)")]
    [InlineData("\"Listen\": \"fifo:/run/x.fifo\", \"Target\": \"tcp:127.0.0.1:80\", \"ProxyProtocol\": \"v1\"", "ProxyProtocol: does not apply to a fifo: Listen: a FIFO's writers have no address to pass on")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:7001\", \"Target\": \"fifo:/run/x.fifo\", \"ProxyProtocol\": \"v2\"", "ProxyProtocol: does not apply to a fifo: Target (it needs a tcp: or unix: backend)")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:7001\", \"Target\": \"fifo:/run/x.fifo\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"]", "Target: an on-demand backend (Exec) with a fifo: Target is not supported yet (use tcp: or unix:)")]
    public void What_a_fifo_cannot_do_is_refused_naming_the_key(string keys, string expected)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", $$"""
            { "Bridges": { "f": { {{keys}} } } }
            """));

        Assert.Equal("test.json: Bridges:f:" + expected, Assert.Single(ex.Errors).ToString());
    }
}
