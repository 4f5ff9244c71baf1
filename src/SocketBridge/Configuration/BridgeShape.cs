using SocketBridge.Endpoints;

namespace SocketBridge.Configuration;

/// <summary>
/// What a bridge is, read first from its own keys (Listen, Mode, Target):
/// the other keys are read and checked against it.
/// </summary>
/// <param name="Bridge">The bridge's keys as merged.</param>
/// <param name="Mode">The mode written, or the one implied by Target.</param>
/// <param name="Listen">The endpoints; null while Listen has errors of its own, so checks against it say nothing.</param>
/// <param name="Target">A forward bridge's valid Target; null otherwise.</param>
internal sealed record BridgeShape(ConfigNode Bridge, BridgeMode Mode, IReadOnlyList<ListenEndpoint>? Listen, Endpoint? Target)
{
    /// <summary>The endpoints, none when unknown.</summary>
    public IReadOnlyList<ListenEndpoint> Endpoints => Listen ?? [];

    /// <summary>Whether the bridge listens on a FIFO (then its only endpoint).</summary>
    public bool IsFifo => Endpoints.Any(e => e.Endpoint is FifoEndpoint);

    /// <summary>The mode as messages show it.</summary>
    public string ModeName => Mode.ToString().ToLowerInvariant();

    /// <summary>Listen's endpoints as messages show them.</summary>
    public string DescribeListen() => string.Join(", ", Endpoints);
}
