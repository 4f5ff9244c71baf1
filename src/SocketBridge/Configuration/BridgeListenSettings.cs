using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// The part of a bridge's options the binders take (<see cref="ListenSettings"/>),
/// so that Endpoints/ never sees <see cref="BridgeOptions"/>.
/// </summary>
public static class BridgeListenSettings
{
    public static ListenSettings ToListenSettings(this BridgeOptions bridge) => new(
        bridge.Name,
        new SocketFileSettings(bridge.SocketMode, bridge.SocketUid, bridge.SocketGid, SocketDirectory.DefaultMode),
        bridge.Backlog,
        new PassedSocketRule(
            bridge.Mode.ToString().ToLowerInvariant(),
            AcceptsDatagrams: bridge.Mode == BridgeMode.Handoff,
            RelayTarget: bridge.Mode == BridgeMode.Forward && bridge.Target is not FifoEndpoint ? bridge.Target : null));
}
