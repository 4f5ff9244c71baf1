namespace SocketBridge.Configuration;

/// <summary>
/// Something a valid configuration does that its administrator should know
/// (an abstract socket open to every user): reported as
/// <c>FILE: Bridges:NAME:Key: warning: message</c>, by check on stderr and by
/// run in the log when it starts and at each reload; it refuses nothing.
/// </summary>
internal sealed record ConfigurationWarning(string File, string Key, string Message)
{
    public override string ToString() => $"{File}: {Key}: warning: {Message}";
}
