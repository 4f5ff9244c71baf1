namespace SocketBridge.Import;

/// <summary>
/// One thing an import says about a job file on stderr: a stanza it could
/// not translate and why, or what changes. Printed as
/// <c>FILE:LINE: SUBJECT: MESSAGE</c>, or <c>FILE: SUBJECT: MESSAGE</c> for
/// the file as a whole.
/// </summary>
internal sealed record ImportNote(string File, int? Line, string Subject, string Message)
{
    /// <summary>What to do about a program written to run as root because its job named no user.</summary>
    public const string LessPrivileged = "give it a less privileged account (a user of its own, or nobody) unless the program needs root";

    public static ImportNote NotTranslated(string file, int line, string stanza, string why) =>
        new(file, line, stanza, $"not translated: {why}");

    public static ImportNote Skipped(string file, string why) => new(file, null, "skipped", why);

    public override string ToString() => Line is { } line ? $"{File}:{line}: {Subject}: {Message}" : $"{File}: {Subject}: {Message}";
}
