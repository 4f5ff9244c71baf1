using System.Globalization;
using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Cli;

/// <summary>
/// <c>check</c>'s line about how a bridge's program is confined: the keys
/// of <see cref="SandboxReader"/> that differ from the defaults, as they
/// will be applied (a limit as SOFT:HARD), so what a typo or a merge made of
/// them is seen before the daemon runs.
/// </summary>
internal static class SandboxListing
{
    /// <summary>"sandbox: LimitNOFILE=64:64, Nice=5, ..." or null when the program gets only the defaults.</summary>
    public static string? Line(ProgramOptions program)
    {
        Sandbox sandbox = program.Sandbox;
        var parts = new List<string>();
        foreach (ResourceLimitKey key in ResourceLimitKey.All)
        {
            if (sandbox.Limit(key.Kind) is { } limit)
            {
                parts.Add($"{key.Key.Name}={Value(limit.Soft)}:{Value(limit.Hard)}");
            }
        }

        if (sandbox.Nice is { } nice)
        {
            parts.Add($"Nice={nice.ToString(CultureInfo.InvariantCulture)}");
        }

        if (sandbox.UMask is { } umask)
        {
            parts.Add($"UMask={OctalModeParser.Format((uint)umask)}");
        }

        if (!sandbox.NoNewPrivileges)
        {
            parts.Add("NoNewPrivileges=false");
        }

        if (sandbox.PrivateTmp)
        {
            parts.Add("PrivateTmp");
        }

        if (sandbox.PrivateNetwork)
        {
            parts.Add("PrivateNetwork");
        }

        if (program.RuntimeMax is { } runtimeMax)
        {
            parts.Add($"RuntimeMax={runtimeMax.ToString("c", CultureInfo.InvariantCulture)} (then SIGKILL after {program.StopTimeout.ToString("c", CultureInfo.InvariantCulture)})");
        }

        return parts.Count == 0 ? null : "sandbox: " + string.Join(", ", parts);
    }

    private static string Value(ulong value) => value == ResourceLimit.Infinity ? "infinity" : value.ToString(CultureInfo.InvariantCulture);
}
