namespace SocketBridge.Metrics;

/// <summary>A bridge as a scrape sees it: its tally, and its connections open now (those a reload's predecessor still serves included).</summary>
internal readonly record struct BridgeSample(BridgeTally Tally, int Active);
