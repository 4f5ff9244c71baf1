using System.Runtime.InteropServices;
using SocketBridge.Native;

namespace SocketBridge.Bridges;

/// <summary>
/// Waits in poll(2), without reading or accepting, until a descriptor has
/// something for the bridge: a pending connection on one of a handoff
/// bridge's sockets, bytes in a FIFO. One long-running wait per bridge; it
/// looks at cancellation between short slices, so a stopping bridge is not
/// kept waiting.
/// </summary>
public static class ReadinessWait
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(250);

    /// <summary>True when <paramref name="handle"/> is readable; false once <paramref name="token"/> fires or the handle is closed.</summary>
    public static async Task<bool> WaitAsync(SafeHandle handle, CancellationToken token) =>
        await WaitAnyAsync([handle], token).ConfigureAwait(false) >= 0;

    /// <summary>
    /// The index of a readable one of <paramref name="handles"/>; -1 once
    /// <paramref name="token"/> fires or one of them is closed.
    /// </summary>
    public static Task<int> WaitAnyAsync(IReadOnlyList<SafeHandle> handles, CancellationToken token) =>
        Task.Factory.StartNew(
            () =>
            {
                while (!token.IsCancellationRequested)
                {
                    try
                    {
                        int ready = Posix.WaitAnyReadable(handles, Slice);
                        if (ready >= 0)
                        {
                            return token.IsCancellationRequested ? -1 : ready;
                        }
                    }
                    catch (Exception ex) when (ex is ObjectDisposedException or NativeCallException)
                    {
                        return -1;
                    }
                }

                return -1;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
}
