using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>A bridge given by arguments (serve's): keys with the paths of a file's, holding strings and arrays as they are.</summary>
[Trait("Category", "Unit")]
public sealed class ConfigNodeArgumentTests
{
    [Fact]
    public void Argument_keys_read_as_the_same_values_written_in_json()
    {
        ConfigNode bridge = ConfigNode.CreateBridge("args", "b");
        bridge.SetArgument("Listen", "tcp:127.0.0.1:80");
        bridge.SetArgument("Exec", ["/bin/echo", "hi"]);
        var errors = new ErrorCollector();

        Assert.True(NodeReader.TryString(bridge["Listen"]!, errors, out string listen));
        Assert.True(NodeReader.TryStringArray(bridge["Exec"]!, errors, out List<string> exec));

        Assert.Equal("tcp:127.0.0.1:80", listen);
        Assert.Equal(["/bin/echo", "hi"], exec);
        Assert.True(bridge["Listen"]!.IsString);
        Assert.True(bridge["Exec"]!.IsArray);
        Assert.Empty(errors.Errors);
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_described_as_json_would_be()
    {
        ConfigNode bridge = ConfigNode.CreateBridge("args", "b");
        bridge.SetArgument("User", ["a", "b"]);
        bridge.SetArgument("Exec", "cat");
        var errors = new ErrorCollector();

        Assert.False(NodeReader.TryString(bridge["User"]!, errors, out _));
        Assert.False(NodeReader.TryBoolean(bridge["Exec"]!, errors, out _));

        Assert.Equal(
            ["args: Bridges:b:User: must be a string, not an array", "args: Bridges:b:Exec: must be true or false, not the string \"cat\""],
            errors.Errors.Select(e => e.ToString()));
    }
}
