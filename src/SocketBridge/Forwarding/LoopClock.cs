using System.Diagnostics;

namespace SocketBridge.Forwarding;

/// <summary>
/// The relay loops' clock: monotonic microseconds, read where a time is
/// needed, never from the start of a batch of events. Environment.TickCount64
/// is coarse (a tick of 4 ms here) and a batch can take milliseconds, either
/// of which would close an idle connection a little before its IdleTimeout.
/// </summary>
internal static class LoopClock
{
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public static long Now => (long)(Stopwatch.GetTimestamp() * MicrosecondsPerTick);

    /// <summary>A duration in whole microseconds, rounded up (at least 1).</summary>
    public static long Microseconds(TimeSpan duration) => Math.Max(1, (long)Math.Ceiling(duration.Ticks / 10.0));
}
