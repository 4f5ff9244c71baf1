using System.Reflection;

namespace SocketBridge.Metrics;

/// <summary>The running build's version (without its commit suffix): status shows it, the build-info metric carries it.</summary>
internal static class BuildVersion
{
    public static string Current { get; } = Read();

    private static string Read()
    {
        string version = typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
