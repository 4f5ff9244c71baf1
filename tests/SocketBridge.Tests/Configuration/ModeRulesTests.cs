using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>Keys that only make sense for some modes and systems.</summary>
public sealed class ModeRulesTests
{
    [Fact]
    public void A_handoff_program_cannot_send_stderr_to_a_connection_it_does_not_have()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "job": { "Listen": "tcp:127.0.0.1:7001", "Mode": "handoff", "Exec": ["/bin/cat"], "StandardError": "socket" } } }
            """));

        Assert.Equal("test.json: Bridges:job:StandardError: a handoff program has no connection of its own to write to (use journal or null)", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void A_launchd_endpoint_is_refused_off_macOS()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "mac": { "Listen": "launchd:Listeners", "Exec": ["/bin/cat"] } } }
            """));

        Assert.Equal("test.json: Bridges:mac:Listen: launchd: endpoints work only on macOS, where launchd passes the job's sockets", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void A_systemd_endpoint_is_valid_at_load_since_only_the_started_daemon_can_see_what_was_passed()
    {
        SocketBridgeOptions options = new ConfigurationLoader().LoadText("test.json", """
            { "Bridges": { "web": { "Listen": "systemd:web", "Exec": ["/bin/cat"] } } }
            """);

        Assert.Equal("systemd:web", Assert.Single(options.Bridges).Listen.ToString());
    }
}
