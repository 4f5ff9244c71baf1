namespace SocketBridge.Native;

/// <summary>
/// Waiting for launched programs to exit and reaping them (waitid(2),
/// wait4(2)), through sb_wait_any_exited and sb_reap in sb_process.c.
/// </summary>
internal static class ChildWaits
{
    /// <summary>
    /// Blocks until some child has exited, without reaping it (WNOWAIT), so
    /// its process group can still be signalled. The pid, or -errno
    /// (-<see cref="Errno.ECHILD"/> when there are no children).
    /// </summary>
    public static int WaitAnyExited() => NativeMethods.WaitAnyExited();

    /// <summary>
    /// Reaps <paramref name="pid"/> if it has exited (WNOHANG): 1 with its
    /// wait <paramref name="status"/> and what it <paramref name="used"/>, 0
    /// when it still runs, or -errno.
    /// </summary>
    public static int Reap(int pid, out int status, out ResourceUsage used) => NativeMethods.Reap(pid, out status, out used);
}
