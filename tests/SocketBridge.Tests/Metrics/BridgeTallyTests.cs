using SocketBridge.Metrics;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// A reload that changes a bridge's mode makes a new series (its mode
/// label changes) that must start where the old one was and never fall
/// below it: the predecessor goes on accepting until the new bridge takes
/// over, and its programs end later still.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BridgeTallyTests
{
    [Fact]
    public void A_tally_in_a_new_mode_includes_what_its_predecessor_counts_after_it_was_made()
    {
        BridgeTally spawn = Tallies.For("morph", "spawn");
        spawn.CountAccepted();
        spawn.CountLaunched();
        spawn.CountRefused(RefusalReason.Rate);

        BridgeTally forward = Tallies.After(spawn, "forward");
        // The old bridge still accepts one more before the swap, and its programs end after it.
        spawn.CountAccepted();
        spawn.CountLaunched();
        spawn.CountExit(0, null);
        spawn.CountExit(null, 9);
        forward.CountAccepted();
        forward.CountForwarded(10, 20);

        Assert.Equal(3, forward.Accepted);
        Assert.Equal(2, forward.Launched);
        Assert.Equal(1, forward.RefusedFor(RefusalReason.Rate));
        Assert.Equal(1, forward.Refused);
        Assert.Equal(1, forward.Exits(ExitOutcome.Status0));
        Assert.Equal(1, forward.Exits(ExitOutcome.Signal));
        Assert.Equal((10, 20), (forward.BytesIn, forward.BytesOut));

        // A re-exec carries the sum.
        Assert.Equal(3, forward.Capture().Accepted);
        Assert.Equal([0, 1, 0, 0, 0], forward.Capture().Refused);
        Assert.Equal([1, 0, 1], forward.Capture().Exits);
    }

    [Fact]
    public void A_handoff_tally_counts_restarts_from_its_own_first_launch_not_the_predecessors()
    {
        BridgeTally spawn = Tallies.For("job", "spawn");
        spawn.CountLaunched();
        spawn.CountLaunched();
        BridgeTally handoff = Tallies.After(spawn, "handoff");

        handoff.CountLaunched(handoff: true);
        Assert.Equal(0, handoff.HandoffRestarts);
        handoff.CountLaunched(handoff: true);
        Assert.Equal(1, handoff.HandoffRestarts);
        Assert.Equal(4, handoff.Launched);
    }
}
