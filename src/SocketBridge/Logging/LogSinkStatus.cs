namespace SocketBridge.Logging;

/// <summary>One log sink in <c>socketbridge status</c>: entries written and dropped since the daemon started.</summary>
internal sealed record LogSinkStatus(string Sink, long Written, long Dropped);
