namespace SocketBridge.Import;

/// <summary>One bridge an import produced, with only the keys it sets (SPEC 3).</summary>
internal sealed record ImportedBridge
{
    public required string Name { get; init; }

    /// <summary>The job file it came from, for messages.</summary>
    public required string File { get; init; }

    public required string Listen { get; init; }

    /// <summary><c>spawn</c>, <c>handoff</c> or <c>forward</c>.</summary>
    public required string Mode { get; init; }

    /// <summary>forward: the endpoint to connect to.</summary>
    public string? Target { get; init; }

    /// <summary>The program's argv; empty for a forward bridge without an on-demand backend.</summary>
    public IReadOnlyList<string> Exec { get; init; } = [];

    /// <summary>handoff: <c>socket</c> for a program that expects its socket on stdin and stdout (inetd's wait services).</summary>
    public string? StandardInput { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    public string? Group { get; init; }

    /// <summary>NAME, value pairs in the order the job set them, each name once.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public IReadOnlyList<string> PassEnvironment { get; init; } = [];

    public int? MaxConnections { get; init; }

    public int? MaxConnectionsPerSource { get; init; }

    /// <summary>As the RateLimit key: <c>"20/s"</c>.</summary>
    public string? RateLimit { get; init; }

    /// <summary>CIDR ranges; empty when not set.</summary>
    public IReadOnlyList<string> AllowFrom { get; init; } = [];

    public IReadOnlyList<string> DenyFrom { get; init; } = [];

    /// <summary>Set only when it differs from the default (false).</summary>
    public bool? KeepAlive { get; init; }

    /// <summary>
    /// <c>Limit*</c> key name to value, in <see cref="ImportedLimit"/>'s
    /// forms (<c>"4096"</c>, <c>"8M"</c>, <c>"64:128"</c>, <c>"infinity"</c>);
    /// empty when none is set.
    /// </summary>
    public IReadOnlyDictionary<string, string> Limits { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>-20 to 19.</summary>
    public int? Nice { get; init; }

    /// <summary>As the UMask key: four octal digits, <c>"0027"</c>.</summary>
    public string? UMask { get; init; }
}
