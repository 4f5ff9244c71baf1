using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>Keys that only make sense for some modes and systems.</summary>
[Trait("Category", "Unit")]
public sealed class ModeRulesTests
{
    [Fact]
    public void A_handoff_program_cannot_send_stderr_to_a_connection_it_does_not_have()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "job": { "Listen": "tcp:127.0.0.1:7001", "Mode": "handoff", "User": "root", "Exec": ["/bin/cat"], "StandardError": "socket" } } }
            """));

        Assert.Equal("test.json: Bridges:job:StandardError: a handoff program has no connection of its own to write to (use journal or null)", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void A_launchd_endpoint_is_refused_off_macOS()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "mac": { "Listen": "launchd:Listeners", "User": "root", "Exec": ["/bin/cat"] } } }
            """));

        Assert.Equal("test.json: Bridges:mac:Listen: launchd: endpoints work only on macOS, where launchd passes the job's sockets", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void A_systemd_endpoint_is_valid_at_load_since_only_the_started_daemon_can_see_what_was_passed()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "web": { "Listen": "systemd:web", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Equal("systemd:web", Assert.Single(Assert.Single(options.Bridges).Listen.Endpoints).ToString());
    }

    [Theory]
    [InlineData("\"Mode\": \"forward\"", "test.json: Bridges:f:Target: is required in forward mode (the endpoint to connect to, e.g. \"tcp:127.0.0.1:8080\")")]
    [InlineData("\"Target\": \"tcp:*:80\"", "test.json: Bridges:f:Target: \"tcp:*:80\": a target needs an address to connect to, not *")]
    [InlineData("\"Target\": \"systemd:x\"", "test.json: Bridges:f:Target: systemd: targets are not supported (expected tcp:, unix:, unix-seqpacket: or fifo:)")]
    [InlineData("\"Target\": \"tcp:127.0.0.1:80\", \"Mode\": \"spawn\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"]", "test.json: Bridges:f:Target: only applies to forward mode, not spawn")]
    [InlineData("\"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"IdleTimeout\": \"5s\"", "test.json: Bridges:f:IdleTimeout: only applies to forward mode: in spawn mode the program owns the connection")]
    [InlineData("\"Target\": \"tcp:127.0.0.1:80\", \"ConnectTimeout\": \"0s\"", "test.json: Bridges:f:ConnectTimeout: must be longer than zero")]
    [InlineData("\"Target\": \"tcp:127.0.0.1:80\", \"ExitIdleTime\": \"5s\"", "test.json: Bridges:f:ExitIdleTime: only applies to a forward bridge with an Exec (an on-demand backend)")]
    public void Forward_keys_are_checked_against_the_mode(string keys, string expected)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", $$"""
            { "Bridges": { "f": { "Listen": "tcp:127.0.0.1:7001", {{keys}} } } }
            """));

        Assert.Equal(expected, Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void A_Target_makes_forward_the_default_mode_with_the_documented_timeouts()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "f": { "Listen": "tcp:127.0.0.1:7001", "Target": "unix:@backend" } } }
            """);

        BridgeOptions bridge = Assert.Single(options.Bridges);
        Assert.Equal(BridgeMode.Forward, bridge.Mode);
        Assert.Equal("unix:@backend", bridge.Forward!.Target.ToString());
        Assert.Equal(TimeSpan.FromSeconds(5), bridge.Forward!.ConnectTimeout);
        Assert.Null(bridge.Forward!.IdleTimeout);
    }
}
