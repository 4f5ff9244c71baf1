using SocketBridge.Systemd;

namespace SocketBridge.Hosting;

/// <summary>
/// The thread pool, where connections are served and the accept loops'
/// continuations go: a work item queued behind everything else must run
/// within the watchdog's interval. One item at a time, so a stuck pool is
/// not flooded with more.
/// </summary>
internal sealed class ThreadPoolProbe : ILivenessProbe
{
    private int _pending;

    public void Ask()
    {
        if (Interlocked.CompareExchange(ref _pending, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static probe => Volatile.Write(ref probe._pending, 0), this, preferLocal: false);
        }
    }

    public string? Unanswered() => Volatile.Read(ref _pending) == 0 ? null : "the thread pool";
}
