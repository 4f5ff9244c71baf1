namespace SocketBridge.Native;

/// <summary>
/// What sb_spawn sets up in the child before exec, beyond its descriptors
/// and account (systemd.exec(5)'s names): resource limits, nice value,
/// umask, no_new_privs, and a private /tmp or network.
/// </summary>
internal sealed record Sandbox
{
    /// <summary>Nothing set but the defaults: NoNewPrivileges on.</summary>
    public static readonly Sandbox Default = new();

    /// <summary>One at most per <see cref="ResourceKind"/>. LimitNOFILE replaces the conventional soft limit of 1024.</summary>
    public IReadOnlyList<ResourceLimit> Limits { get; init; } = [];

    /// <summary>The nice value, -20..19; null inherits the daemon's.</summary>
    public int? Nice { get; init; }

    /// <summary>The umask; null inherits the daemon's.</summary>
    public int? UMask { get; init; }

    /// <summary>prctl(PR_SET_NO_NEW_PRIVS): a setuid program or file capability gains nothing.</summary>
    public bool NoNewPrivileges { get; init; } = true;

    /// <summary>An empty tmpfs on /tmp and /var/tmp in a mount namespace of the program's own.</summary>
    public bool PrivateTmp { get; init; }

    /// <summary>A network namespace of the program's own with only loopback.</summary>
    public bool PrivateNetwork { get; init; }

    /// <summary>The limit set for <paramref name="kind"/>, if any.</summary>
    public ResourceLimit? Limit(ResourceKind kind)
    {
        foreach (ResourceLimit limit in Limits)
        {
            if (limit.Kind == kind)
            {
                return limit;
            }
        }

        return null;
    }

    public bool Equals(Sandbox? other) =>
        other is not null && Limits.SequenceEqual(other.Limits) && Nice == other.Nice && UMask == other.UMask
        && NoNewPrivileges == other.NoNewPrivileges && PrivateTmp == other.PrivateTmp && PrivateNetwork == other.PrivateNetwork;

    public override int GetHashCode() => HashCode.Combine(Limits.Count, Nice, UMask, NoNewPrivileges, PrivateTmp, PrivateNetwork);
}
