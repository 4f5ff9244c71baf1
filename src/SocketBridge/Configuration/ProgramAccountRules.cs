using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>Whom a program runs as: User, Group, the daemon's own account, and what that account can use.</summary>
internal static class ProgramAccountRules
{
    /// <summary>
    /// As root, a program without User would run as root with every
    /// capability: say so rather than do it silently (xinetd too insists
    /// on "user"). Group alone leaves the uid 0.
    /// </summary>
    public static void CheckUserNamed(BridgeShape shape, IConfigurationResolver machine, ErrorCollector errors)
    {
        ConfigNode bridge = shape.Bridge;
        bool launches = shape.Mode is BridgeMode.Spawn or BridgeMode.Handoff || bridge["Exec"] is not null;
        if (launches && bridge["User"] is null && machine.EffectiveUid == 0)
        {
            errors.Add(bridge.File, $"{bridge.Path}:User", "is required when socketbridge runs as root: name the account the program runs as, a service account of its own or \"nobody\" (\"User\": \"nobody\"), or \"User\": \"root\" to keep root explicitly");
        }
    }

    /// <summary>Only root can start a program as another user or group: whether the daemon can run it as <paramref name="uid"/>:<paramref name="gid"/>.</summary>
    public static bool CheckCanSwitch(ConfigNode bridge, uint uid, uint gid, IConfigurationResolver machine, ErrorCollector errors)
    {
        if (machine.EffectiveUid != 0 && (uid != machine.EffectiveUid || gid != machine.EffectiveGid))
        {
            errors.Add(bridge["User"] ?? bridge["Group"]!, "launching programs as another user or group needs the daemon to run as root");
            return false;
        }

        return true;
    }

    /// <summary>
    /// The daemon found Exec and WorkingDirectory usable as itself; the
    /// program runs as another user, who may not be able to.
    /// </summary>
    public static void CheckAccountCanUse(ConfigNode bridge, Credentials? credentials, string? user, ExecOptions? exec, string workingDirectory, IConfigurationResolver machine, ErrorCollector errors)
    {
        if (credentials is not { Uid: not 0 } other || other.Uid == machine.EffectiveUid)
        {
            return;
        }

        var permissions = new UserPermissions(user ?? other.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), other);
        if (exec is not null && permissions.CheckProgram(exec.Path) is { } program)
        {
            errors.Add(bridge["Exec"]!, program);
        }

        if (bridge["WorkingDirectory"] is { } directoryNode && workingDirectory != "/" && permissions.CheckDirectory(workingDirectory) is { } unusable)
        {
            errors.Add(directoryNode, unusable);
        }
    }
}
