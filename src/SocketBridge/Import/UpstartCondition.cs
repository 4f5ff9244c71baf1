namespace SocketBridge.Import;

/// <summary>A <c>start on</c> condition: its events, and whether <c>and</c> or <c>or</c> combine them.</summary>
internal sealed record UpstartCondition(IReadOnlyList<UpstartEvent> Events, bool Combined);
