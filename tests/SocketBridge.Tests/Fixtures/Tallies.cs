using SocketBridge.Metrics;

namespace SocketBridge.Tests.Fixtures;

/// <summary>Tallies for unit tests that make bridges by hand: on a meter no collector reads.</summary>
internal static class Tallies
{
    private static readonly SocketBridgeMeter Meter = new("test", new DaemonTally(), () => [], new ProcessFigures());

    public static BridgeTally For(string bridge, string mode = "spawn") => new(bridge, mode, Meter);

    /// <summary>The tally of the bridge a reload made in <paramref name="mode"/> in place of <paramref name="before"/>'s.</summary>
    public static BridgeTally After(BridgeTally before, string mode) => new(before.Bridge, mode, Meter, before);
}
