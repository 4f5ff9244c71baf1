
namespace SocketBridge.Configuration;

/// <summary>
/// A key written in a mode it does not apply to (<see cref="BridgeKey.Modes"/>)
/// is an error saying why; the key is then not read.
/// </summary>
internal static class ModeRule
{
    /// <summary>Whether <paramref name="key"/> applies in the bridge's mode; if not, the error is added.</summary>
    public static bool Check(BridgeKey key, ConfigNode node, BridgeMode mode, ErrorCollector errors)
    {
        if (key.AppliesTo(mode))
        {
            return true;
        }

        errors.Add(node, Message(key, mode));
        return false;
    }

    /// <summary>Why <paramref name="key"/> means nothing in <paramref name="mode"/>.</summary>
    public static string Message(BridgeKey key, BridgeMode mode)
    {
        string name = mode.ToString().ToLowerInvariant();
        return key.Name switch
        {
            "ConnectTimeout" or "IdleTimeout" => $"only applies to forward mode: in {name} mode the program owns the connection",
            "ExitIdleTime" => "only applies to a forward bridge with an Exec (an on-demand backend)",
            "StandardInput" when mode == BridgeMode.Spawn => "only applies to handoff mode: a spawned program's stdin and stdout are its connection already",
            "StandardInput" => "only applies to handoff mode, whose program gets the listening socket (a forward bridge's on-demand backend has none)",
            "OnLimit" => "does not apply to handoff mode: one program runs at a time and accepts the connections itself, so the kernel's backlog already holds the waiting clients",
            _ when key.Modes == BridgeModes.Accepting => "does not apply to handoff mode: the program accepts the connections, not socketbridge",
            _ => $"only applies to {Describe(key.Modes)} mode, not {name}",
        };
    }

    private static string Describe(BridgeModes modes) => string.Join(" or ", Enum.GetValues<BridgeMode>()
        .Where(m => (modes & BridgeKey.ModeFlag(m)) != 0)
        .Select(m => m.ToString().ToLowerInvariant()));
}
