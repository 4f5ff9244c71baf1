using System.Globalization;
using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>
/// Whether the user a bridge's program runs as may execute its <c>Exec</c>
/// and enter its <c>WorkingDirectory</c>, told at load from the file modes
/// along the path, as path_resolution(7) checks them: search permission on
/// every directory looked in (symbolic links followed, their own directories
/// too), then execute permission on the program (and read, for a script
/// whose interpreter opens it), with the owner's, the group's or the
/// others' bits, whichever class the user falls in. The daemon checks as
/// root, which may do all of it: without this, a program its user cannot
/// run fails on every connection instead of at load.
/// </summary>
internal sealed class UserPermissions(string user, Credentials credentials)
{
    private const uint Read = 4, Execute = 1;

    /// <summary>As many symbolic links as the kernel follows in one path (MAXSYMLINKS).</summary>
    private const int MaxLinks = 40;

    /// <summary>Null when the user may run <paramref name="path"/>, else why not, naming the path.</summary>
    public string? CheckProgram(string path)
    {
        if (Walk(path, out string resolved, out FileStatus status) is { } unreachable)
        {
            return unreachable;
        }

        if (!status.IsRegularFile)
        {
            return $"{path} is {status.Kind}, not a program";
        }

        if (!Allows(resolved, status, Execute))
        {
            return $"{path} is not executable by user {user} ({Describe(status)})";
        }

        if (!Allows(resolved, status, Read) && IsScript(resolved))
        {
            return $"{path} is a script its interpreter must read, which user {user} may not ({Describe(status)})";
        }

        return null;
    }

    /// <summary>Null when the user may make <paramref name="path"/> its working directory, else why not.</summary>
    public string? CheckDirectory(string path)
    {
        if (Walk(path, out string resolved, out FileStatus status) is { } unreachable)
        {
            return unreachable;
        }

        if (!status.IsDirectory)
        {
            return $"{path} is {status.Kind}, not a directory";
        }

        return Allows(resolved, status, Execute) ? null : $"{path} is not searchable by user {user} ({Describe(status)})";
    }

    /// <summary>
    /// Follows <paramref name="path"/> component by component as the kernel
    /// would for the user; null once at its end, else why the user cannot
    /// get there.
    /// </summary>
    private string? Walk(string path, out string resolved, out FileStatus status)
    {
        var pending = new LinkedList<string>(path.Split('/'));
        string current = "/";
        status = Stat(current) ?? throw new InvalidOperationException("/ does not exist");
        resolved = current;
        int links = 0;
        while (pending.First is { } first)
        {
            string name = first.Value;
            pending.RemoveFirst();
            if (name is "" or ".")
            {
                continue;
            }

            // Looking a name up in a directory takes search permission on it, ".." too.
            if (!Allows(current, status, Execute))
            {
                return $"{path} is not reachable by user {user}: {current} is not searchable by it ({Describe(status)})";
            }

            string next = name == ".." ? Parent(current) : current == "/" ? "/" + name : current + "/" + name;
            if (Stat(next) is not { } found)
            {
                return $"{path} does not exist ({next} is missing)";
            }

            if ((found.Mode & 0xF000) == 0xA000)
            {
                if (++links > MaxLinks)
                {
                    return $"{path} has too many symbolic links";
                }

                string target = new FileInfo(next).LinkTarget ?? string.Empty;
                string[] parts = target.Split('/');
                for (int i = parts.Length - 1; i >= 0; i--)
                {
                    pending.AddFirst(parts[i]);
                }

                if (target.StartsWith('/'))
                {
                    current = "/";
                    status = Stat(current)!.Value;
                }

                continue;
            }

            if (pending.Any(p => p is not ("" or ".")) && !found.IsDirectory)
            {
                return $"{path} does not exist ({next} is {found.Kind}, not a directory)";
            }

            current = next;
            status = found;
        }

        resolved = current;
        return null;
    }

    /// <summary>The permission bits of the class the user is in (owner, group, others) grant <paramref name="wanted"/>.</summary>
    private bool Allows(string path, FileStatus status, uint wanted)
    {
        uint mode = status.Permissions;
        if (status.Uid == credentials.Uid)
        {
            return ((mode >> 6) & wanted) == wanted;
        }

        // With an access ACL the group bits are its mask, the most any named
        // user or group entry can grant: assume the best rather than refuse
        // a program an entry may well allow.
        if (Posix.HasAccessAcl(path) is not false)
        {
            return (((mode >> 3) | mode) & wanted) == wanted;
        }

        if (status.Gid == credentials.Gid || credentials.Groups.Contains(status.Gid))
        {
            return ((mode >> 3) & wanted) == wanted;
        }

        return (mode & wanted) == wanted;
    }

    private static bool IsScript(string path)
    {
        try
        {
            return Posix.ReadHead(path, 2) is [(byte)'#', (byte)'!'];
        }
        catch (NativeCallException)
        {
            return false;
        }
    }

    private static FileStatus? Stat(string path)
    {
        try
        {
            return Posix.TryLStat(path);
        }
        catch (NativeCallException)
        {
            return null;
        }
    }

    private static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private static string Describe(FileStatus status)
    {
        string owner = Accounts.UserName(status.Uid) ?? status.Uid.ToString(CultureInfo.InvariantCulture);
        string group = Accounts.GroupName(status.Gid) ?? status.Gid.ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"mode {Convert.ToString(status.Permissions, 8).PadLeft(4, '0')}, owner {owner}:{group}");
    }
}
