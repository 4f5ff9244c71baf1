namespace SocketBridge.Bridges;

/// <summary>
/// When to start a handoff program again that ended at once with
/// connections still queued, whatever its exit status: a program that
/// cannot serve the queue (it fails, or exits 0 without accepting) would
/// otherwise be relaunched in a tight loop for as long as a client waits.
/// Like systemd's RestartSec with RestartSteps, the pause doubles from
/// <see cref="FirstPause"/> up to <see cref="LongestPause"/> while it keeps
/// happening, and a launch that ran for <see cref="QuickExit"/> or took
/// connections off the queue without failing starts over. Never a lasting
/// stop: the bridge keeps trying, at least every <see cref="LongestPause"/>.
/// </summary>
internal sealed class RelaunchBackoff
{
    /// <summary>A launch that ends sooner than this with the queue still full made no progress.</summary>
    public static readonly TimeSpan QuickExit = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);

    public RelaunchBackoff()
    {
    }

    /// <summary>Where the previous image's back-off stood (a re-exec).</summary>
    public RelaunchBackoff(int quickExits) => QuickExits = quickExits;

    /// <summary>Quick exits in a row with connections left queued.</summary>
    public int QuickExits { get; private set; }

    /// <summary>
    /// The pause before the next launch, or null for none. <paramref name="accepted"/>:
    /// the accept queue is shorter than before the launch (null when the kernel could not say).
    /// </summary>
    public TimeSpan? After(TimeSpan ran, bool failed, bool stillQueued, bool? accepted)
    {
        if (ran >= QuickExit || !stillQueued || (!failed && accepted == true))
        {
            QuickExits = 0;
            return null;
        }

        QuickExits++;
        double seconds = FirstPause.TotalSeconds * Math.Pow(2, Math.Min(QuickExits - 1, 16));
        return TimeSpan.FromSeconds(Math.Min(seconds, LongestPause.TotalSeconds));
    }
}
