
namespace SocketBridge.Configuration;

/// <summary>How errors and messages name an endpoint of a bridge's Listen, a string or an array.</summary>
internal static class ListenKeys
{
    /// <summary>The key of Listen's endpoint <paramref name="index"/>: <c>Listen</c> itself when it is a string, else <c>Listen[index]</c>.</summary>
    public static string Key(ConfigNode listen, int index) =>
        listen.IsArray ? $"{listen.Path}[{index}]" : listen.Path;

    /// <summary>How a message names Listen's endpoint <paramref name="index"/>: <c>Listen</c>, or <c>Listen[index]</c> in an array.</summary>
    public static string Name(ConfigNode listen, int index) =>
        listen.IsArray ? $"Listen[{index}]" : "Listen";
}
