namespace SocketBridge.Control;

/// <summary>
/// The control socket's protocol: the client sends one command on one line
/// and reads one JSON document until the daemon closes the connection.
/// </summary>
internal static class ControlRequest
{
    public const string Status = "status";

    public const string Reload = "reload";

    public const string Reexec = "reexec";

    /// <summary>Longer requests are not ours: the connection is closed unanswered.</summary>
    public const int MaxLength = 64;
}
