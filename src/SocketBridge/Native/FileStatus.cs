namespace SocketBridge.Native;

/// <summary>What lstat(2) says about a path, reduced to what the daemon needs.</summary>
internal readonly record struct FileStatus(uint Mode, uint Uid, uint Gid, ulong Device, ulong Inode)
{
    private const uint TypeMask = 0xF000;

    public bool IsSocket => (Mode & TypeMask) == 0xC000;

    public bool IsFifo => (Mode & TypeMask) == 0x1000;

    public bool IsDirectory => (Mode & TypeMask) == 0x4000;

    public bool IsRegularFile => (Mode & TypeMask) == 0x8000;

    public bool IsSymbolicLink => (Mode & TypeMask) == 0xA000;

    /// <summary>The kind of file (socket, FIFO, ...), the bits above the permissions.</summary>
    public uint Type => Mode & TypeMask;

    /// <summary>The permission bits, as chmod takes them.</summary>
    public uint Permissions => Mode & 0xFFF;

    /// <summary>Permission bits as chmod(1) writes them: 0644.</summary>
    public static string FormatMode(uint mode) => "0" + Convert.ToString(mode & 0xFFF, 8).PadLeft(3, '0');

    /// <summary>True when both describe the same file (same device and inode).</summary>
    public bool IsSameFile(FileStatus other) => Device == other.Device && Inode == other.Inode;

    public string Kind => (Mode & TypeMask) switch
    {
        0xC000 => "a socket",
        0x1000 => "a FIFO",
        0x4000 => "a directory",
        0x8000 => "a regular file",
        0xA000 => "a symbolic link",
        0x2000 => "a character device",
        0x6000 => "a block device",
        _ => "an unknown kind of file",
    };
}
