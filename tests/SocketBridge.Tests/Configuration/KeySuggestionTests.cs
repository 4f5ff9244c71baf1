using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>A typo in a key is an error that points at the key that was meant.</summary>
public sealed class KeySuggestionTests
{
    private static readonly string[] TopLevelKeys = ["SocketBridge", "Bridges"];
    private static readonly string[] DaemonKeys = ["ControlSocket", "ShutdownTimeout", "LogLevel"];

    [Theory]
    [InlineData("Lisen", "Listen")]
    [InlineData("Listne", "Listen")]
    [InlineData("Exce", "Exec")]
    [InlineData("SockMode", "SocketMode")]
    [InlineData("Enviroment", "Environment")]
    [InlineData("MaxConnection", "MaxConnections")]
    [InlineData("Nodelay", "NoDelay")]
    public void A_mistyped_bridge_key_suggests_the_key_that_was_meant(string typo, string meant)
    {
        Assert.Equal($"unknown key (did you mean {meant}?)", KeySuggestion.ForUnknownBridgeKey(typo));
    }

    [Theory]
    [InlineData("Bridge", "Bridges")]
    [InlineData("Socketbridge", "SocketBridge")]
    public void A_mistyped_section_suggests_the_section(string typo, string meant)
    {
        Assert.Equal($"unknown key (did you mean {meant}?)", KeySuggestion.ForUnknown(typo, TopLevelKeys));
    }

    [Fact]
    public void A_mistyped_daemon_key_suggests_the_daemon_key()
    {
        Assert.Equal("unknown key (did you mean ShutdownTimeout?)", KeySuggestion.ForUnknown("ShutdownTimout", DaemonKeys));
    }

    [Theory]
    [InlineData("Colour")]
    [InlineData("Port")]
    [InlineData("Command")]
    public void A_key_like_no_known_one_suggests_nothing(string key)
    {
        Assert.Equal("unknown key", KeySuggestion.ForUnknownBridgeKey(key));
    }

    [Fact]
    public void With_no_known_keys_there_is_nothing_to_suggest()
    {
        Assert.Equal("unknown key", KeySuggestion.ForUnknown("Listen", []));
    }
}
