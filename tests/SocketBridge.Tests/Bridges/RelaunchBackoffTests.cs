using SocketBridge.Bridges;

namespace SocketBridge.Tests.Bridges;

/// <summary>The policy behind a handoff or FIFO program started again after it ended at once with work left.</summary>
[Trait("Category", "Unit")]
public sealed class RelaunchBackoffTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromMilliseconds(5);

    [Fact]
    public void Quick_exits_that_leave_the_queue_as_it_was_pause_1_2_4_seconds_and_on_up_to_30()
    {
        var backoff = new RelaunchBackoff();

        TimeSpan?[] pauses = [.. Enumerable.Range(0, 7).Select(_ => backoff.After(Quick, failed: false, stillQueued: true, accepted: false))];

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], pauses.Select(p => p!.Value.TotalSeconds));
        Assert.Equal(7, backoff.QuickExits);
    }

    [Theory]
    [InlineData(1000, false, true, false)] // ran a second: not a quick exit
    [InlineData(5, false, false, false)] // nothing left queued
    [InlineData(5, false, true, true)] // took connections off the queue and exited 0
    public void A_launch_that_made_progress_starts_the_count_over(int ranMs, bool failed, bool stillQueued, bool accepted)
    {
        var backoff = new RelaunchBackoff();
        backoff.After(Quick, failed: false, stillQueued: true, accepted: false);
        backoff.After(Quick, failed: false, stillQueued: true, accepted: false);

        Assert.Null(backoff.After(TimeSpan.FromMilliseconds(ranMs), failed, stillQueued, accepted));
        Assert.Equal(0, backoff.QuickExits);
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.After(Quick, failed: false, stillQueued: true, accepted: false));
    }

    [Theory]
    [InlineData(true)] // failed after taking a connection: still a crash loop
    [InlineData(null)] // the kernel could not say what it took
    public void A_quick_failure_or_an_unknown_outcome_still_pauses(bool? accepted)
    {
        var backoff = new RelaunchBackoff();

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.After(Quick, failed: accepted is true, stillQueued: true, accepted));
    }
}
