using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;
using SocketBridge.Handover;

namespace SocketBridge.Bridges;

/// <summary>
/// What a mode needs of its bridge: settings, counters, log, ids, the
/// shutdown tokens, and for a re-exec the gate and the connections it serves.
/// </summary>
internal sealed record BridgeContext(
    BridgeOptions Options,
    BridgeCounters Counters,
    ConnectionIdGenerator Ids,
    ILogger Logger,
    HandoverGate Gate,
    LiveConnections Live,
    CancellationToken Accepting,
    CancellationToken Stop,
    CancellationToken Kill);
