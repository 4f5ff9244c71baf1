using System.Runtime.InteropServices;

namespace SocketBridge.Tests.Fixtures;

/// <summary>The few libc calls the tests make themselves.</summary>
internal static partial class LibC
{
    public const int SIGTERM = 15;
    public const int SIGKILL = 9;
    public const int SIGHUP = 1;
    public const int SIGINT = 2;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "getgid")]
    public static partial uint GetGid();

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);
}
