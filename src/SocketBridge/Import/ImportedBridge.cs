namespace SocketBridge.Import;

/// <summary>One bridge an import produced, with only the keys it sets (SPEC 3).</summary>
public sealed record ImportedBridge
{
    public required string Name { get; init; }

    /// <summary>The job file it came from, for messages.</summary>
    public required string File { get; init; }

    public required string Listen { get; init; }

    /// <summary><c>spawn</c>, <c>handoff</c> or <c>forward</c>.</summary>
    public required string Mode { get; init; }

    public required IReadOnlyList<string> Exec { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    public string? Group { get; init; }

    /// <summary>NAME, value pairs in the order the job set them, each name once.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public IReadOnlyList<string> PassEnvironment { get; init; } = [];
}
