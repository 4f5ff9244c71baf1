namespace SocketBridge.Control;

/// <summary>
/// What <c>socketbridge reexec</c> came to: answered by the new image once
/// it has taken over (<see cref="Reexecuted"/>), or by the old one, which
/// goes on untouched, when it was refused; <see cref="ExitCode"/> is what the
/// command exits with (78: the new program refuses the configuration).
/// </summary>
internal sealed record ReexecResult(bool Reexecuted, int ExitCode, string Message)
{
    public override string ToString() => Reexecuted ? $"re-executed: {Message}" : $"re-exec refused, the daemon goes on unchanged: {Message}";
}
