using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// The part of a bridge's options the binders take (<see cref="ListenSettings"/>),
/// so that Endpoints/ never sees <see cref="BridgeOptions"/>.
/// </summary>
internal static class BridgeListenSettings
{
    public static ListenSettings ToListenSettings(this BridgeOptions bridge) => new(
        bridge.Name,
        new SocketFileSettings(bridge.Listen.SocketMode, bridge.Listen.SocketUid, bridge.Listen.SocketGid, SocketDirectory.DefaultMode),
        bridge.Listen.Backlog,
        new PassedSocketRule(
            bridge.Mode.ToString().ToLowerInvariant(),
            AcceptsDatagrams: bridge.Mode == BridgeMode.Handoff,
            RelayTarget: bridge.Forward?.Target is { } target and not FifoEndpoint ? target : null));
}
