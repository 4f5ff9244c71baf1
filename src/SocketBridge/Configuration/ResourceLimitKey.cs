using SocketBridge.Native;

namespace SocketBridge.Configuration;

/// <summary>How a resource limit's value is written: a count, bytes (with K, M, G) or CPU seconds.</summary>
internal enum ResourceUnit
{
    Count,
    Bytes,
    Seconds,
}

/// <summary>One <c>Limit*</c> key (systemd.exec(5)'s names): the resource it sets and how its value is written.</summary>
internal sealed record ResourceLimitKey(BridgeKey Key, ResourceKind Kind, ResourceUnit Unit)
{
    /// <summary>The eight keys, in the order of <see cref="BridgeKeys.ResourceLimits"/>.</summary>
    public static readonly IReadOnlyList<ResourceLimitKey> All =
    [
        new(BridgeKeys.ResourceLimits[0], ResourceKind.OpenFiles, ResourceUnit.Count),
        new(BridgeKeys.ResourceLimits[1], ResourceKind.Processes, ResourceUnit.Count),
        new(BridgeKeys.ResourceLimits[2], ResourceKind.AddressSpace, ResourceUnit.Bytes),
        new(BridgeKeys.ResourceLimits[3], ResourceKind.Data, ResourceUnit.Bytes),
        new(BridgeKeys.ResourceLimits[4], ResourceKind.CpuTime, ResourceUnit.Seconds),
        new(BridgeKeys.ResourceLimits[5], ResourceKind.CoreSize, ResourceUnit.Bytes),
        new(BridgeKeys.ResourceLimits[6], ResourceKind.FileSize, ResourceUnit.Bytes),
        new(BridgeKeys.ResourceLimits[7], ResourceKind.Stack, ResourceUnit.Bytes),
    ];
}
