using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>Loads files through the real loader, expecting it to refuse them, and returns the lines check would print.</summary>
internal static class ConfigurationErrors
{
    public static string[] Lines(params string[] files)
    {
        var ex = Assert.Throws<ConfigurationException>(() => new ConfigurationLoader().Load(files));
        Assert.NotEmpty(ex.Errors);
        return ex.Errors.Select(e => e.ToString()).ToArray();
    }
}
