namespace SocketBridge.Import;

/// <summary>What one job file became: its bridges (none when it was skipped) and what the import says about it.</summary>
internal sealed record ImportedJob(string File, IReadOnlyList<ImportedBridge> Bridges, IReadOnlyList<ImportNote> Notes)
{
    public bool Translated => Bridges.Count > 0;
}
