using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>What a daemon that is not root may and may not be configured to do, as check says before run would fail.</summary>
public sealed class UnprivilegedDaemonTests
{
    private sealed class Unprivileged : ConfigurationEnvironment
    {
        public override uint EffectiveUid => 1000;

        public override uint EffectiveGid => 1000;

        public override bool IsMemberOf(uint gid) => gid is 1000 or 4;
    }

    [Theory]
    [InlineData("\"SocketUser\": \"root\"", "SocketUser: giving the socket to user \"root\" needs the daemon to run as root")]
    [InlineData("\"SocketGroup\": \"root\"", "SocketGroup: giving the socket to group \"root\" needs the daemon to run as root or as a member of that group")]
    [InlineData("\"User\": \"nobody\"", "User: launching programs as another user or group needs the daemon to run as root")]
    [InlineData("\"Group\": \"nogroup\"", "Group: launching programs as another user or group needs the daemon to run as root")]
    public void Owners_and_accounts_a_non_root_daemon_cannot_use_are_refused_at_load(string key, string message)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader(new Unprivileged()).LoadText("test.json", $$"""
            { "Bridges": { "mine": { "Listen": "unix:/tmp/sbt-unprivileged.sock", "Exec": ["/bin/cat"], {{key}} } } }
            """));

        Assert.Equal($"test.json: Bridges:mine:{message}", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void A_group_the_daemon_belongs_to_is_allowed()
    {
        SocketBridgeOptions options = new ConfigurationLoader(new Unprivileged()).LoadText("test.json", """
            { "Bridges": { "mine": { "Listen": "unix:/tmp/sbt-unprivileged.sock", "Exec": ["/bin/cat"], "SocketGroup": "4" } } }
            """);

        Assert.Equal(4u, Assert.Single(options.Bridges).Listen.SocketGid);
    }
}
