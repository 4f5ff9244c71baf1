using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>A key written in a mode the table does not give it is refused with the reason for that key.</summary>
[Trait("Category", "Unit")]
public sealed class ModeRuleTests
{
    [Theory]
    [InlineData("Target", BridgeMode.Spawn, "only applies to forward mode, not spawn")]
    [InlineData("ProxyProtocol", BridgeMode.Handoff, "only applies to forward mode, not handoff")]
    [InlineData("ConnectTimeout", BridgeMode.Spawn, "only applies to forward mode: in spawn mode the program owns the connection")]
    [InlineData("IdleTimeout", BridgeMode.Handoff, "only applies to forward mode: in handoff mode the program owns the connection")]
    [InlineData("ExitIdleTime", BridgeMode.Spawn, "only applies to a forward bridge with an Exec (an on-demand backend)")]
    [InlineData("StandardInput", BridgeMode.Spawn, "only applies to handoff mode: a spawned program's stdin and stdout are its connection already")]
    [InlineData("StandardInput", BridgeMode.Forward, "only applies to handoff mode, whose program gets the listening socket (a forward bridge's on-demand backend has none)")]
    [InlineData("AllowFrom", BridgeMode.Handoff, "does not apply to handoff mode: the program accepts the connections, not socketbridge")]
    [InlineData("AllowGroups", BridgeMode.Handoff, "does not apply to handoff mode: the program accepts the connections, not socketbridge")]
    [InlineData("RateLimit", BridgeMode.Handoff, "does not apply to handoff mode: the program accepts the connections, not socketbridge")]
    [InlineData("MaxConnectionsPerSource", BridgeMode.Handoff, "does not apply to handoff mode: the program accepts the connections, not socketbridge")]
    [InlineData("OnLimit", BridgeMode.Handoff, "does not apply to handoff mode: one program runs at a time and accepts the connections itself, so the kernel's backlog already holds the waiting clients")]
    public void A_key_outside_its_modes_is_refused_with_its_reason(string name, BridgeMode mode, string expected)
    {
        BridgeKey key = BridgeKeys.Find(name)!;
        Assert.False(key.AppliesTo(mode));
        var errors = new ErrorCollector();

        Assert.False(ModeRule.Check(key, Node(name), mode, errors));

        ConfigurationError error = Assert.Single(errors.Errors);
        Assert.Equal($"Bridges:b:{name}", error.Key);
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void A_key_in_one_of_its_modes_passes_silently()
    {
        var errors = new ErrorCollector();

        Assert.True(ModeRule.Check(BridgeKeys.Target, Node("Target"), BridgeMode.Forward, errors));
        Assert.True(ModeRule.Check(BridgeKeys.StandardInput, Node("StandardInput"), BridgeMode.Handoff, errors));
        Assert.True(ModeRule.Check(BridgeKeys.User, Node("User"), BridgeMode.Spawn, errors));

        Assert.Empty(errors.Errors);
    }

    [Fact]
    public void Every_key_the_table_limits_to_some_modes_has_a_reason_of_its_own_or_names_them()
    {
        foreach (BridgeKey key in BridgeKeys.All.Where(k => k.Modes != BridgeModes.All))
        {
            foreach (BridgeMode mode in Enum.GetValues<BridgeMode>().Where(m => !key.AppliesTo(m)))
            {
                Assert.DoesNotContain("only applies to  mode", ModeRule.Message(key, mode), StringComparison.Ordinal);
            }
        }
    }

    /// <summary>The key <paramref name="key"/> of a bridge b, as loaded from test.json.</summary>
    internal static ConfigNode Node(string key) => Bridge(key)[key]!;

    /// <summary>A bridge b with the one key <paramref name="key"/>, as loaded from test.json.</summary>
    internal static ConfigNode Bridge(string key)
    {
        ConfigNode root = ConfigNode.CreateRoot("test.json");
        using var document = System.Text.Json.JsonDocument.Parse($$"""{ "Bridges": { "b": { "{{key}}": "x" } } }""");
        root.Merge(document.RootElement, "test.json");
        return root["Bridges"]!["b"]!;
    }
}
