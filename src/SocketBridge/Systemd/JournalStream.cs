namespace SocketBridge.Systemd;

/// <summary>
/// JOURNAL_STREAM (systemd.exec(5)): set by systemd to the device and inode
/// of the stream socket it connected stdout/stderr to. When stderr is that
/// socket, whatever the daemon writes there already reaches the journal.
/// </summary>
internal static class JournalStream
{
    /// <summary>True when this process's stderr is the journal stream systemd gave it.</summary>
    public static bool IsStandardError()
    {
        string? stream = Environment.GetEnvironmentVariable("JOURNAL_STREAM");
        if (string.IsNullOrEmpty(stream))
        {
            return false;
        }

        string? target;
        try
        {
            target = new FileInfo("/proc/self/fd/2").LinkTarget;
        }
        catch (IOException)
        {
            return false;
        }

        return Matches(stream, target);
    }

    /// <summary>"DEV:INO" against a /proc fd link: every socket has sockfs's device, so the inode decides.</summary>
    public static bool Matches(string journalStream, string? fdLink)
    {
        int colon = journalStream.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || fdLink is null)
        {
            return false;
        }

        string inode = journalStream[(colon + 1)..];
        return inode.Length > 0 && fdLink == $"socket:[{inode}]";
    }
}
