using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>
/// The keys that limit and confine a launched program (systemd.exec(5)'s
/// names): the <c>Limit*</c> keys, Nice, UMask, NoNewPrivileges,
/// PrivateTmp, PrivateNetwork, and RuntimeMax. Each is checked at load
/// against what the daemon can do, so a launch does not fail for a reason
/// known in advance.
/// </summary>
internal static class SandboxReader
{
    private const int CapSysNice = 23;
    private const int CapSysResource = 24;
    private const int CapSysAdmin = 21;

    private static readonly string[] TemporaryDirectories = ["/tmp", "/var/tmp"];

    public static (Sandbox Sandbox, TimeSpan? RuntimeMax) Read(ConfigNode bridge, IConfigurationResolver machine, ErrorCollector errors, ExecOptions? exec, string workingDirectory)
    {
        var sandbox = Sandbox.Default;
        var limits = new List<ResourceLimit>();
        foreach (ResourceLimitKey key in ResourceLimitKey.All)
        {
            if (bridge[key.Key.Name] is { } node && TryLimit(node, key, machine, errors, out ResourceLimit limit))
            {
                limits.Add(limit);
            }
        }

        sandbox = sandbox with { Limits = limits };

        if (bridge[BridgeKeys.Nice.Name] is { } niceNode && NodeReader.TryInteger(niceNode, errors, -20, 19, out int nice))
        {
            if (nice < 0 && !machine.HasCapability(CapSysNice))
            {
                errors.Add(niceNode, $"a negative nice value ({nice}) needs the daemon to run as root (CAP_SYS_NICE)");
            }

            sandbox = sandbox with { Nice = nice };
        }

        if (bridge[BridgeKeys.UMask.Name] is { } umaskNode && NodeReader.TryString(umaskNode, errors, out string umaskText))
        {
            if (!OctalModeParser.TryParse(umaskText, out uint umask, out string error))
            {
                errors.Add(umaskNode, error);
            }
            else if (umask > 0x1FF)
            {
                errors.Add(umaskNode, $"\"{umaskText}\" is larger than 0777: a umask has only permission bits");
            }
            else
            {
                sandbox = sandbox with { UMask = (int)umask };
            }
        }

        if (bridge[BridgeKeys.NoNewPrivileges.Name] is { } nnpNode && NodeReader.TryBoolean(nnpNode, errors, out bool noNewPrivileges))
        {
            sandbox = sandbox with { NoNewPrivileges = noNewPrivileges };
        }

        sandbox = sandbox with
        {
            PrivateTmp = ReadNamespace(bridge, BridgeKeys.PrivateTmp, machine, errors),
            PrivateNetwork = ReadNamespace(bridge, BridgeKeys.PrivateNetwork, machine, errors),
        };
        if (sandbox.PrivateTmp)
        {
            CheckOutsideTemporary(bridge, errors, exec, workingDirectory);
        }

        TimeSpan? runtimeMax = null;
        if (bridge[BridgeKeys.RuntimeMax.Name] is { } runtimeNode && NodeReader.TryDuration(runtimeNode, errors, out TimeSpan span))
        {
            if (span <= TimeSpan.Zero)
            {
                errors.Add(runtimeNode, "must be longer than zero (leave RuntimeMax out for no limit)");
            }
            else
            {
                runtimeMax = span;
            }
        }

        return (sandbox, runtimeMax);
    }

    private static bool TryLimit(ConfigNode node, ResourceLimitKey key, IConfigurationResolver machine, ErrorCollector errors, out ResourceLimit limit)
    {
        limit = default;
        string text;
        if (!node.IsObject && node.Value.ValueKind == System.Text.Json.JsonValueKind.Number && node.Text is null)
        {
            text = node.Value.GetRawText();
        }
        else if (node.IsString)
        {
            text = node.Text ?? node.Value.GetString()!;
        }
        else
        {
            errors.Add(node, $"must be {ResourceLimitParser.Forms(key.Unit)}, not {NodeReader.Describe(node)}");
            return false;
        }

        if (!ResourceLimitParser.TryParse(text, key.Kind, key.Unit, out limit, out string error))
        {
            errors.Add(node, error);
            return false;
        }

        ulong daemonHard = machine.HardLimit(key.Kind);
        if (limit.Hard > daemonHard && !machine.HasCapability(CapSysResource))
        {
            errors.Add(node, $"the hard limit {Describe(limit.Hard)} is above the daemon's own ({Describe(daemonHard)}), which only a daemon with CAP_SYS_RESOURCE can raise");
            return false;
        }

        return true;
    }

    private static bool ReadNamespace(ConfigNode bridge, BridgeKey key, IConfigurationResolver machine, ErrorCollector errors)
    {
        if (bridge[key.Name] is not { } node || !NodeReader.TryBoolean(node, errors, out bool wanted) || !wanted)
        {
            return false;
        }

        if (!machine.HasCapability(CapSysAdmin))
        {
            errors.Add(node, "needs the daemon to run as root (CAP_SYS_ADMIN, to make the program a namespace of its own)");
            return false;
        }

        return true;
    }

    /// <summary>Under PrivateTmp the host's /tmp and /var/tmp are hidden from the program: its Exec and WorkingDirectory cannot be there.</summary>
    private static void CheckOutsideTemporary(ConfigNode bridge, ErrorCollector errors, ExecOptions? exec, string workingDirectory)
    {
        if (exec is not null && InTemporary(exec.Path) is { } execDirectory)
        {
            errors.Add(bridge[BridgeKeys.PrivateTmp.Name]!, $"hides the host's {execDirectory} from the program, and Exec ({exec.Path}) is there");
        }

        if (InTemporary(workingDirectory) is { } directory)
        {
            errors.Add(bridge[BridgeKeys.PrivateTmp.Name]!, $"hides the host's {directory} from the program, and WorkingDirectory ({workingDirectory}) is there");
        }
    }

    private static string? InTemporary(string path) =>
        TemporaryDirectories.FirstOrDefault(d => path == d || path.StartsWith(d + "/", StringComparison.Ordinal));

    private static string Describe(ulong value) => value == ResourceLimit.Infinity ? "infinity" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
