namespace SocketBridge.Native;

/// <summary>The Linux errno values the daemon reacts to (asm-generic/errno-base.h, errno.h).</summary>
internal static class Errno
{
    public const int ENOENT = 2;
    public const int ENXIO = 6;
    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EINVAL = 22;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int ENOTCONN = 107;
}
