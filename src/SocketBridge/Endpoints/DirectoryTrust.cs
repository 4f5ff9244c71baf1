using System.Globalization;
using SocketBridge.Native;

namespace SocketBridge.Endpoints;

/// <summary>
/// Who may control the directories on the way to a socket file or FIFO
/// (SPEC 8), after sshd's StrictModes: every directory is owned by a
/// trusted user (root, the daemon's user, or the bridge's SocketUser) and
/// writable by no one else (no group or other write bit) unless it has the
/// sticky bit, where others cannot rename or remove what they do not own.
/// Anyone else able to write a directory on the path could replace the
/// socket's name between two of the daemon's steps. A symbolic link on the
/// way is followed only when root or the daemon's user owns it.
/// </summary>
internal sealed class DirectoryTrust
{
    private const uint GroupWrite = 0x10;  // 0020
    private const uint OtherWrite = 0x02;  // 0002
    private const uint Sticky = 0x200;     // 01000

    private readonly uint _daemonUid;
    private readonly uint? _socketUid;

    public DirectoryTrust(uint daemonUid, uint? socketUid)
    {
        _daemonUid = daemonUid;
        _socketUid = socketUid;
    }

    /// <summary>Why <paramref name="directory"/> (at <paramref name="path"/>) may not hold the daemon's files; null when it may.</summary>
    public string? Problem(FileStatus directory, string path)
    {
        if (!IsTrusted(directory.Uid))
        {
            return $"{path} is owned by {Owner(directory.Uid)}, not by root{DaemonUser()}{(_socketUid is null ? string.Empty : " or SocketUser")}: "
                + "whoever owns a directory can replace the files in it; use a directory owned by root or by the daemon's user";
        }

        uint permissions = directory.Permissions;
        if ((permissions & (GroupWrite | OtherWrite)) != 0 && (permissions & Sticky) == 0)
        {
            string who = (permissions & OtherWrite) != 0 ? "every user" : $"its group (gid {directory.Gid.ToString(CultureInfo.InvariantCulture)})";
            return $"{path} is writable by {who} (mode {FileStatus.FormatMode(permissions)}, no sticky bit), so others could replace the files in it: "
                + $"make it writable by its owner only (chmod go-w {path}) or sticky (chmod +t {path})";
        }

        return null;
    }

    /// <summary>Whether a symbolic link with this owner may be followed on the way (only root or the daemon could have made it).</summary>
    public bool MayFollow(FileStatus link) => link.Uid == 0 || link.Uid == _daemonUid;

    /// <summary>The owner of a symbolic link that will not be followed, for the message.</summary>
    public static string Owner(uint uid) =>
        Accounts.UserName(uid) is { } name ? $"{name} (uid {uid.ToString(CultureInfo.InvariantCulture)})" : $"uid {uid.ToString(CultureInfo.InvariantCulture)}";

    private bool IsTrusted(uint uid) => uid == 0 || uid == _daemonUid || uid == _socketUid;

    private string DaemonUser() => _daemonUid == 0 ? string.Empty : $", the daemon's user ({Owner(_daemonUid)})";
}
