using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

internal static class SocketDirectoryRule
{
    /// <summary>
    /// The directories of a <c>unix:/path</c> or <c>fifo:</c> Listen, checked
    /// as the daemon checks them when it binds (SPEC 8: none writable by users
    /// other than root, the daemon's and SocketUser), so <c>check</c> says so
    /// and <c>run</c> refuses the configuration (exit 78) instead of failing
    /// at every start. Binding checks again: a directory can change meanwhile.
    /// </summary>
    public static void Check(ConfigNode bridge, ErrorCollector errors, ListenOptions listen, IConfigurationResolver machine)
    {
        ConfigNode node = bridge["Listen"]!;
        for (int i = 0; i < listen.Endpoints.Count; i++)
        {
            if (listen.Endpoints[i].FilePath is { } path
                && machine.SocketDirectoryProblem(Path.GetDirectoryName(path)!, new DirectoryTrust(machine.EffectiveUid, listen.SocketUid)) is { } problem)
            {
                errors.Add(node.File, ListenKeys.Key(node, i), problem);
            }
        }
    }
}
