using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>What reload compares: a bridge's settings as loaded, indifferent to key order and spacing.</summary>
[Trait("Category", "Unit")]
public sealed class FingerprintTests
{
    private static string Fingerprint(string json, string bridge = "a") =>
        new ConfigurationLoader().LoadText("test", json).Bridges.Single(b => b.Name == bridge).Fingerprint;

    [Fact]
    public void Key_order_spacing_and_other_bridges_do_not_change_a_bridges_fingerprint()
    {
        string one = Fingerprint("""{ "Bridges": { "a": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat", "-u"] } } }""");
        string two = Fingerprint("""
            { "Bridges": {
                "b": { "Listen": "tcp:127.0.0.1:7002", "User": "root", "Exec": ["/bin/cat"] },
                "a": {   "User": "root", "Exec": [ "/bin/cat",   "-u" ],
                         "Listen": "tcp:127.0.0.1:7001" } } }
            """);
        Assert.Equal(one, two);
    }

    [Theory]
    [InlineData("""{ "Bridges": { "a": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat"] } } }""")]
    [InlineData("""{ "Bridges": { "a": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat", "-u"], "MaxConnections": 3 } } }""")]
    [InlineData("""{ "Bridges": { "a": { "Listen": "tcp:127.0.0.1:7009", "User": "root", "Exec": ["/bin/cat", "-u"] } } }""")]
    [InlineData("""{ "Bridges": { "a": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat", "-u"], "Environment": { "X": "1" } } } }""")]
    public void Any_changed_setting_changes_it(string changed)
    {
        string original = Fingerprint("""{ "Bridges": { "a": { "Listen": "tcp:127.0.0.1:7001", "User": "root", "Exec": ["/bin/cat", "-u"] } } }""");
        Assert.NotEqual(original, Fingerprint(changed));
    }
}
