namespace SocketBridge.Import;

/// <summary>
/// One stanza of an Upstart job file (init(5)): its keyword (<c>exec</c>,
/// <c>start on</c>, <c>pre-start script</c>...), the rest of its line
/// (comment removed, continuation lines joined), and for a <c>script</c> the
/// text up to <c>end script</c>.
/// </summary>
internal sealed record UpstartStanza(string File, int Line, string Keyword, string Arguments, string? Block = null);
