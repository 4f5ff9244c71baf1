namespace SocketBridge.Configuration;

/// <summary>The program of a bridge: its resolved absolute path and the argv as written.</summary>
internal sealed record ExecOptions(string Path, IReadOnlyList<string> Arguments)
{
    public override string ToString() => string.Join(' ', Arguments);
}
