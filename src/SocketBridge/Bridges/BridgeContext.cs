using Microsoft.Extensions.Logging;
using SocketBridge.Configuration;

namespace SocketBridge.Bridges;

/// <summary>What a mode needs of its bridge: settings, counters, log, ids and the shutdown tokens.</summary>
internal sealed record BridgeContext(
    BridgeOptions Options,
    BridgeCounters Counters,
    ConnectionIdGenerator Ids,
    ILogger Logger,
    CancellationToken Accepting,
    CancellationToken Stop,
    CancellationToken Kill);
