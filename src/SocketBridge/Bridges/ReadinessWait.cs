using System.Runtime.InteropServices;
using SocketBridge.Native;

namespace SocketBridge.Bridges;

/// <summary>
/// Waits in poll(2), without reading or accepting, until a descriptor has
/// something for the bridge: a pending connection on a handoff socket, bytes
/// in a FIFO. One long-running wait per listener; it looks at cancellation
/// between short slices, so a stopping bridge is not kept waiting.
/// </summary>
public static class ReadinessWait
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(250);

    /// <summary>True when <paramref name="handle"/> is readable; false once <paramref name="token"/> fires or the handle is closed.</summary>
    public static Task<bool> WaitAsync(SafeHandle handle, CancellationToken token) =>
        Task.Factory.StartNew(
            () =>
            {
                while (!token.IsCancellationRequested)
                {
                    try
                    {
                        if (Posix.WaitReadable(handle, Slice))
                        {
                            return !token.IsCancellationRequested;
                        }
                    }
                    catch (Exception ex) when (ex is ObjectDisposedException or NativeCallException)
                    {
                        return false;
                    }
                }

                return false;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
}
