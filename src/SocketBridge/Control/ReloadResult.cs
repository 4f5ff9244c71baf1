namespace SocketBridge.Control;

/// <summary>What a reload did, or why it was refused (the old configuration then stays in force).</summary>
internal sealed record ReloadResult(bool Reloaded, IReadOnlyList<string> Errors, int Added, int Changed, int Removed, int Unchanged)
{
    public static ReloadResult Applied(int added, int changed, int removed, int unchanged) => new(true, [], added, changed, removed, unchanged);

    public static ReloadResult Refused(IReadOnlyList<string> errors) => new(false, errors, 0, 0, 0, 0);

    public override string ToString() => Reloaded
        ? $"reloaded: {Added} added, {Changed} changed, {Removed} removed, {Unchanged} unchanged"
        : $"reload refused, the running configuration is unchanged: {string.Join("; ", Errors)}";
}
