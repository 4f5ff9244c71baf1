using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// The socket option keys at load: their values, the keys no endpoint of a
/// bridge can take (refused, naming the key and why), the part of them each
/// endpoint of a mixed Listen keeps, and what a daemon that is not root may set.
/// </summary>
public sealed class SocketOptionsConfigurationTests
{
    private const string Exec = "\"User\": \"root\", \"Exec\": [\"/bin/cat\"]";

    /// <summary>A machine with lo and eth0, as the loader sees it, run by whom the test says.</summary>
    private sealed class Machine(uint uid = 0, bool netAdmin = true) : ConfigurationEnvironment
    {
        public override uint EffectiveUid => uid;

        public override uint EffectiveGid => uid;

        public override bool IsMemberOf(uint gid) => gid == uid;

        public override bool InterfaceExists(string name) => name is "lo" or "eth0";

        public override IEnumerable<string> InterfaceNames() => ["eth0", "lo"];

        public override bool HasCapability(int capability) => netAdmin && capability == 12;
    }

    [Fact]
    public void Every_socket_option_is_read_in_the_units_the_kernel_takes()
    {
        BridgeOptions bridge = Load($$"""
            { "Bridges": { "web": { "Listen": "tcp:*:8080", {{Exec}},
                "ReusePort": true, "FreeBind": true, "BindToDevice": "eth0", "BindIPv6Only": "ipv6-only",
                "DeferAccept": "2500ms", "ReceiveBuffer": "4M", "SendBuffer": 65536, "Mark": "0x2a",
                "KeepAliveTime": "00:01:00", "KeepAliveInterval": "1.2s", "KeepAliveProbes": 5 } } }
            """);

        Assert.Equal(
            new SocketOptions
            {
                ReusePort = true, FreeBind = true, BindToDevice = "eth0", BindIPv6Only = BindIPv6Only.Ipv6Only,
                DeferAcceptSeconds = 3, ReceiveBuffer = 4 << 20, SendBuffer = 65536, Mark = 42,
                KeepAlive = true, KeepAliveTimeSeconds = 60, KeepAliveIntervalSeconds = 2, KeepAliveProbes = 5,
            },
            bridge.Listen.SocketOptions);
        Assert.Equal(bridge.Listen.SocketOptions, Assert.Single(bridge.Listen.Endpoints).Options);
        Assert.False(Assert.Single(bridge.Listen.Endpoints).DualStack);
    }

    [Fact]
    public void A_keep_alive_timer_turns_keep_alive_on_and_contradicting_it_is_an_error()
    {
        Assert.True(Load($$"""{ "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", {{Exec}}, "KeepAliveProbes": 3 } } }""").Listen.SocketOptions.KeepAlive);

        Assert.Equal(
            ["test.json: Bridges:web:KeepAlive: is false, but KeepAliveInterval is set, which works only with keep-alive on: leave KeepAlive out (a keep-alive timer turns it on) or set it to true"],
            Errors($$"""{ "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", {{Exec}}, "KeepAlive": false, "KeepAliveInterval": "5s" } } }"""));
    }

    [Theory]
    [InlineData("ReusePort", "true", "applies to IP sockets (tcp:, udp:), not to unix:/run/sbt/web.sock")]
    [InlineData("FreeBind", "true", "applies to IP sockets (tcp:, udp:), not to unix:/run/sbt/web.sock")]
    [InlineData("BindToDevice", "\"lo\"", "applies to IP sockets (tcp:, udp:), not to unix:/run/sbt/web.sock")]
    [InlineData("BindIPv6Only", "\"both\"", "applies to IPv6 sockets (tcp:[IPv6]:PORT, tcp:*:PORT, and the same for udp:), not to unix:/run/sbt/web.sock")]
    [InlineData("DeferAccept", "\"5s\"", "applies to TCP sockets (tcp:), not to unix:/run/sbt/web.sock")]
    [InlineData("ReceiveBuffer", "\"64K\"", "applies to TCP sockets (tcp:), whose connections take the listening socket's sizes, and datagram sockets (udp:, unix-dgram:), which use their own (a Unix stream connection does not), not to unix:/run/sbt/web.sock")]
    [InlineData("Mark", "1", "applies to IP sockets (tcp:, udp:), not to unix:/run/sbt/web.sock")]
    [InlineData("KeepAlive", "true", "applies to TCP sockets (tcp:), not to unix:/run/sbt/web.sock")]
    [InlineData("KeepAliveTime", "\"1min\"", "applies to TCP sockets (tcp:), not to unix:/run/sbt/web.sock")]
    public void A_TCP_option_on_a_bridge_without_a_tcp_endpoint_is_refused_naming_the_key_and_why(string key, string value, string message)
    {
        Assert.Contains(
            $"test.json: Bridges:web:{key}: {message}",
            Errors($$"""{ "Bridges": { "web": { "Listen": "unix:/run/sbt/web.sock", {{Exec}}, "{{key}}": {{value}} } } }"""));
    }

    [Fact]
    public void PassCredentials_on_a_bridge_without_a_unix_endpoint_and_BindIPv6Only_without_an_IPv6_socket_are_refused()
    {
        Assert.Equal(
            [
                "test.json: Bridges:web:BindIPv6Only: applies to IPv6 sockets (tcp:[IPv6]:PORT, tcp:*:PORT, and the same for udp:), not to tcp:127.0.0.1:8080",
                "test.json: Bridges:web:PassCredentials: applies to Unix sockets (unix:, unix-dgram:, unix-seqpacket:), not to tcp:127.0.0.1:8080",
            ],
            Errors($$"""{ "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", {{Exec}}, "PassCredentials": true, "BindIPv6Only": "ipv6-only" } } }"""));
    }

    [Fact]
    public void Options_at_their_defaults_apply_anywhere()
    {
        BridgeOptions bridge = Load($$"""
            { "Bridges": { "web": { "Listen": "unix:/run/sbt/web.sock", {{Exec}}, "KeepAlive": false, "ReusePort": false, "BindIPv6Only": "default", "DeferAccept": "0s" } } }
            """);

        Assert.Equal(SocketOptions.None, bridge.Listen.SocketOptions);
    }

    [Fact]
    public void A_socket_the_service_manager_passes_takes_the_options_that_can_be_set_on_a_bound_socket_but_not_those_bound_with_it()
    {
        BridgeOptions bridge = Load($$"""{ "Bridges": { "web": { "Listen": "systemd:web", {{Exec}}, "DeferAccept": "1s", "PassCredentials": true, "Mark": 3 } } }""");
        Assert.Equal(new SocketOptions { DeferAcceptSeconds = 1, PassCredentials = true, Mark = 3 }, Assert.Single(bridge.Listen.Endpoints).Options);

        Assert.Equal(
            ["test.json: Bridges:web:ReusePort: applies to IP sockets (tcp:, udp:) that socketbridge binds, not to systemd:web: the service manager binds a socket it passes (set ReusePort= in its .socket unit)"],
            Errors($$"""{ "Bridges": { "web": { "Listen": "systemd:web", {{Exec}}, "ReusePort": true } } }"""));
    }

    [Fact]
    public void In_a_mixed_Listen_each_endpoint_keeps_only_the_options_that_mean_something_for_its_sockets()
    {
        BridgeOptions bridge = Load($$"""
            { "Bridges": { "web": { "Listen": ["tcp:127.0.0.1:8080", "tcp:[::1]:8080", "unix:/run/sbt/web.sock", "systemd:web"], {{Exec}},
                "ReusePort": true, "BindIPv6Only": "both", "Mark": 7, "DeferAccept": "1s", "PassCredentials": true } } }
            """);

        Assert.Equal(
            [
                "ReusePort, DeferAccept=1s, Mark=7",
                "ReusePort, BindIPv6Only=both, DeferAccept=1s, Mark=7",
                "PassCredentials",
                "DeferAccept=1s, Mark=7, PassCredentials",
            ],
            bridge.Listen.Endpoints.Select(e => e.Options.ToString()));
        Assert.Equal("ReusePort, BindIPv6Only=both, DeferAccept=1s, Mark=7, PassCredentials", bridge.Listen.SocketOptions.ToString());
    }

    [Fact]
    public void BindIPv6Only_decides_which_tcp_endpoints_of_one_port_overlap()
    {
        // ipv6-only: "*" no longer takes IPv4 clients, so 0.0.0.0 may listen beside it (as systemd's BindIPv6Only=ipv6-only).
        Assert.Equal(2, Load($$"""{ "Bridges": { "web": { "Listen": ["tcp:*:8080", "tcp:0.0.0.0:8080"], {{Exec}}, "BindIPv6Only": "ipv6-only" } } }""").Listen.Endpoints.Count);

        // both: [::] takes IPv4 clients too, so 0.0.0.0 beside it would fail to bind.
        Assert.Equal(
            ["test.json: Bridges:web:Listen[1]: tcp:0.0.0.0:8080 overlaps Listen[0] (tcp:[::]:8080): both would listen on 0.0.0.0 port 8080"],
            Errors($$"""{ "Bridges": { "web": { "Listen": ["tcp:[::]:8080", "tcp:0.0.0.0:8080"], {{Exec}}, "BindIPv6Only": "both" } } }"""));
    }

    [Theory]
    [InlineData("BindToDevice", "\"wlan9\"", "there is no network interface \"wlan9\" on this machine (it has eth0, lo)")]
    [InlineData("BindToDevice", "\"eth0/1\"", "\"eth0/1\" is not a network interface name (1 to 15 bytes, without /, : or blanks), as \"eth0\"")]
    [InlineData("BindToDevice", "\"a-name-of-16-byt\"", "\"a-name-of-16-byt\" is not a network interface name (1 to 15 bytes, without /, : or blanks), as \"eth0\"")]
    [InlineData("BindIPv6Only", "\"yes\"", "\"yes\" is not one of default, both or ipv6-only")]
    [InlineData("ReusePort", "\"yes\"", "must be true or false, not the string \"yes\"")]
    [InlineData("DeferAccept", "30", "must be a string, not the number 30")]
    [InlineData("ReceiveBuffer", "\"64Q\"", "\"64Q\" is not a size (expected a number of bytes, or one with K, M or G (base 1024), as 65536 or \"64K\")")]
    [InlineData("ReceiveBuffer", "0", "must be from 1 byte to 1G, not 0 bytes")]
    [InlineData("SendBuffer", "\"2G\"", "must be from 1 byte to 1G, not 2147483648 bytes")]
    [InlineData("Mark", "-1", "must be a number from 0 to 4294967295, or a string of one in decimal or hexadecimal, as \"0x2a\", not the number -1")]
    [InlineData("Mark", "\"0xfffffffff\"", "\"0xfffffffff\" is not a firewall mark (a number from 0 to 4294967295, or a string of one in decimal or hexadecimal, as \"0x2a\")")]
    [InlineData("KeepAliveTime", "\"0s\"", "must be from 1 to 32767 seconds (it is taken in whole seconds, rounded up), not 0")]
    [InlineData("KeepAliveInterval", "\"10h\"", "must be from 1 to 32767 seconds (it is taken in whole seconds, rounded up), not 36000")]
    [InlineData("KeepAliveProbes", "128", "must be from 1 to 127, not 128")]
    public void A_bad_value_is_an_error_naming_the_key(string key, string value, string message)
    {
        Assert.Equal(
            [$"test.json: Bridges:web:{key}: {message}"],
            Errors($$"""{ "Bridges": { "web": { "Listen": "tcp:*:8080", {{Exec}}, "{{key}}": {{value}} } } }"""));
    }

    [Fact]
    public void Mark_needs_CAP_NET_ADMIN_when_the_daemon_is_not_root()
    {
        string config = """{ "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "Exec": ["/bin/cat"], "Mark": 1 } } }""";

        Assert.Equal(
            ["test.json: Bridges:web:Mark: setting SO_MARK needs CAP_NET_ADMIN, which socketbridge does not have (run it as root, or give it the capability: AmbientCapabilities=CAP_NET_ADMIN in its unit)"],
            Errors(config, new Machine(uid: 1000, netAdmin: false)));
        Assert.Equal(1u, Load(config, new Machine(uid: 1000, netAdmin: true)).Listen.SocketOptions.Mark);
    }

    [Fact]
    public async Task Check_run_as_another_user_than_root_says_Mark_needs_CAP_NET_ADMIN()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0x1ED); // 0755: nobody reads the file
        string config = dir.Write("web.json", """{ "Bridges": { "web": { "Listen": "tcp:127.0.0.1:8080", "Exec": ["/bin/cat"], "Mark": 1 } } }""");

        var (exit, stdout, stderr) = await Clients.RunProgramAsync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", Binary.Path, "check", "-c", config]);

        Assert.True(exit == 78, $"exit {exit}\n{stdout}{stderr}");
        Assert.Equal($"{config}: Bridges:web:Mark: setting SO_MARK needs CAP_NET_ADMIN, which socketbridge does not have (run it as root, or give it the capability: AmbientCapabilities=CAP_NET_ADMIN in its unit)\n", stderr);
    }

    private static BridgeOptions Load(string json, ConfigurationEnvironment? machine = null) =>
        Assert.Single(new ConfigurationLoader(machine ?? new Machine()).LoadText("test.json", json).Bridges);

    private static string[] Errors(string json, ConfigurationEnvironment? machine = null)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader(machine ?? new Machine()).LoadText("test.json", json));
        return [.. ex.Errors.Select(e => e.ToString())];
    }
}
