using SocketBridge.Configuration;

namespace SocketBridge.Hosting;

/// <summary>
/// A bridge a reload starts: a new one, or the replacement of the running
/// bridge <see cref="Predecessor"/> (same name, changed settings), whose
/// counters it carries on; and where the sockets of each of its endpoints come from.
/// </summary>
internal sealed record PlannedBridge(BridgeOptions Options, string? Predecessor, IReadOnlyList<PlannedEndpoint> Endpoints);
