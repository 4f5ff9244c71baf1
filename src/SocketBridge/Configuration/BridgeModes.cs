namespace SocketBridge.Configuration;

/// <summary>The modes a bridge key applies to (<see cref="BridgeMode"/> as flags).</summary>
[Flags]
internal enum BridgeModes
{
    None = 0,
    Spawn = 1,
    Handoff = 2,
    Forward = 4,

    /// <summary>Where the daemon accepts the connections itself.</summary>
    Accepting = Spawn | Forward,
    All = Spawn | Handoff | Forward,
}
