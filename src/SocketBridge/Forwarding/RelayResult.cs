namespace SocketBridge.Forwarding;

/// <summary>What a relay moved: bytes from the client to the target (in) and back (out), and how it ended.</summary>
internal readonly record struct RelayResult(long BytesIn, long BytesOut, RelayOutcome Outcome, string? Error);
