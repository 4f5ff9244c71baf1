using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Tests.Sandbox;

/// <summary>What the sandbox keys need from the daemon, checked at load against a daemon without root's capabilities.</summary>
[Trait("Category", "Unit")]
public sealed class UnprivilegedSandboxTests
{
    /// <summary>A daemon running as a user, with no capabilities and a hard open-files limit of 4096.</summary>
    private sealed class Unprivileged : ConfigurationEnvironment
    {
        public override uint EffectiveUid => 1000;

        public override uint EffectiveGid => 1000;

        public override bool HasCapability(int capability) => false;

        public override ulong HardLimit(ResourceKind kind) => kind == ResourceKind.OpenFiles ? 4096 : ResourceLimit.Infinity;
    }

    private static string Load(string keys)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader(new Unprivileged()).LoadText("test.json", $$"""
            { "Bridges": { "mine": { "Listen": "unix:/tmp/sbt-unprivileged-sandbox.sock", "Exec": ["/bin/cat"], {{keys}} } } }
            """));
        return Assert.Single(ex.Errors).ToString();
    }

    [Theory]
    [InlineData("\"LimitNOFILE\": 4097", "LimitNOFILE: the hard limit 4097 is above the daemon's own (4096), which only a daemon with CAP_SYS_RESOURCE can raise")]
    [InlineData("\"LimitNOFILE\": \"1024:8192\"", "LimitNOFILE: the hard limit 8192 is above the daemon's own (4096), which only a daemon with CAP_SYS_RESOURCE can raise")]
    [InlineData("\"Nice\": -1", "Nice: a negative nice value (-1) needs the daemon to run as root (CAP_SYS_NICE)")]
    [InlineData("\"PrivateTmp\": true", "PrivateTmp: needs the daemon to run as root (CAP_SYS_ADMIN, to make the program a namespace of its own)")]
    [InlineData("\"PrivateNetwork\": true", "PrivateNetwork: needs the daemon to run as root (CAP_SYS_ADMIN, to make the program a namespace of its own)")]
    public void What_needs_a_capability_the_daemon_lacks_is_refused_at_load(string keys, string message) =>
        Assert.Equal($"test.json: Bridges:mine:{message}", Load(keys));

    [Fact]
    public void Limits_at_or_under_the_daemons_own_and_a_positive_Nice_need_nothing()
    {
        SocketBridgeOptions options = new ConfigurationLoader(new Unprivileged()).LoadText("test.json", """
            { "Bridges": { "mine": { "Listen": "unix:/tmp/sbt-unprivileged-sandbox.sock", "Exec": ["/bin/cat"],
                "LimitNOFILE": "1024:4096", "LimitAS": "infinity", "Nice": 10, "UMask": "0077", "NoNewPrivileges": true, "RuntimeMax": "5s" } } }
            """);

        Assert.Single(options.Bridges);
    }
}
