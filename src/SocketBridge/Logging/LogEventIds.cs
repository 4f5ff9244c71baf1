namespace SocketBridge.Logging;

/// <summary>
/// EventIds of the daemon's own entries about its log and its watchdog,
/// stable so operators can filter and alert on them: 60 to 69. The bridges'
/// entries use 1 to 49 (<c>Bridges/BridgeLog.cs</c>); the watchdog's, 61
/// and 62, are declared beside it (<c>Systemd/WatchdogService.cs</c>), the
/// Systemd folder being below this one.
/// </summary>
public static class LogEventIds
{
    /// <summary>"N log entries were dropped": a sink could not keep up (field DROPPED_ENTRIES).</summary>
    public const int EntriesDropped = 60;
}
