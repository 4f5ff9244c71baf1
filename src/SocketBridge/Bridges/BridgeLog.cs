using Microsoft.Extensions.Logging;
using SocketBridge.Logging;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>The bridges' log entries, with the SPEC 6 field names as template properties.</summary>
internal static partial class BridgeLog
{
    [LoggerMessage(EventId = LogEventIds.Listening, Level = LogLevel.Information, Message = "{Bridge}: listening on {Listen} ({Mode}, at most {MaxConnections} connections)")]
    public static partial void Listening(ILogger logger, string bridge, string listen, string mode, int maxConnections);

    [LoggerMessage(EventId = LogEventIds.StoppedListening, Level = LogLevel.Information, Message = "{Bridge}: stopped listening on {Listen}")]
    public static partial void StoppedListening(ILogger logger, string bridge, string listen);

    [LoggerMessage(EventId = LogEventIds.ConfigurationWarning, Level = LogLevel.Warning, Message = "{File}: {Key}: warning: {Warning}")]
    public static partial void ConfigurationWarning(ILogger logger, string file, string key, string warning);

    [LoggerMessage(EventId = LogEventIds.SocketOptionNote, Level = LogLevel.Warning, Message = "{Bridge}: {Listen}: {Note}")]
    public static partial void SocketOptionNote(ILogger logger, string bridge, string listen, string note);

    /// <summary>Whether <see cref="ChildEnded"/> would write <paramref name="exit"/> (its levels): a caller can spare building its arguments.</summary>
    public static bool ChildEndLogged(ILogger logger, ChildExit exit) =>
        logger.IsEnabled(exit.RuntimeMaxSignal == 0 ? LogLevel.Information : LogLevel.Warning);

    /// <summary>A connection's program ended: one entry, with how it ended (and whether RuntimeMax ended it) and what it used.</summary>
    public static void ChildEnded(ILogger logger, string bridge, string connectionId, string peer, int childPid, ChildExit exit, long durationMs)
    {
        ResourceUsage u = exit.Usage;
        switch (exit)
        {
            case { ExitStatus: { } status, RuntimeMaxSignal: 0 }:
                ChildExited(logger, bridge, connectionId, peer, childPid, status, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            case { ExitStatus: { } status }:
                ChildExitedAtRuntimeMax(logger, bridge, connectionId, peer, childPid, exit.RuntimeMaxSignalName, status, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            case { RuntimeMaxSignal: 0 }:
                ChildKilled(logger, bridge, connectionId, peer, childPid, exit.SignalName, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            default:
                ChildKilledAtRuntimeMax(logger, bridge, connectionId, peer, childPid, exit.RuntimeMaxSignalName, exit.SignalName, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
        }
    }

    [LoggerMessage(EventId = LogEventIds.ChildExited, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId} from {Peer}: child {ChildPid} exited with status {ExitStatus} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void ChildExited(ILogger logger, string bridge, string connectionId, string peer, int childPid, int exitStatus, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.ChildKilled, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId} from {Peer}: child {ChildPid} killed by {Signal} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void ChildKilled(ILogger logger, string bridge, string connectionId, string peer, int childPid, string signal, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.ChildExitedAtRuntimeMax, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId} from {Peer}: child {ChildPid} reached RuntimeMax and was sent {RuntimeMaxSignal}; it exited with status {ExitStatus} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void ChildExitedAtRuntimeMax(ILogger logger, string bridge, string connectionId, string peer, int childPid, string runtimeMaxSignal, int exitStatus, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.ChildKilledAtRuntimeMax, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId} from {Peer}: child {ChildPid} reached RuntimeMax and was sent {RuntimeMaxSignal}; it was killed by {Signal} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void ChildKilledAtRuntimeMax(ILogger logger, string bridge, string connectionId, string peer, int childPid, string runtimeMaxSignal, string signal, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.SpawnFailed, Level = LogLevel.Error, Message = "{Bridge} {ConnectionId} from {Peer}: cannot launch {Exec}: {Error}")]
    public static partial void SpawnFailed(ILogger logger, string bridge, string connectionId, string peer, string exec, string error);

    [LoggerMessage(EventId = LogEventIds.ChildStandardError, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId} child {ChildPid}: {Line}")]
    public static partial void ChildStandardError(ILogger logger, string bridge, string connectionId, int childPid, string line);

    [LoggerMessage(EventId = LogEventIds.HandoffLaunched, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId}: {Waiting} on {Listen}; launched child {ChildPid} with {Passed}")]
    public static partial void HandoffLaunched(ILogger logger, string bridge, string connectionId, int childPid, string waiting, string listen, string passed);

    /// <summary>A handoff program ended: one entry, with how it ended (and whether RuntimeMax ended it) and what it used.</summary>
    public static void HandoffEnded(ILogger logger, string bridge, string connectionId, int childPid, ChildExit exit, long durationMs)
    {
        ResourceUsage u = exit.Usage;
        switch (exit)
        {
            case { ExitStatus: { } status, RuntimeMaxSignal: 0 }:
                HandoffExited(logger, bridge, connectionId, childPid, status, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            case { ExitStatus: { } status }:
                HandoffExitedAtRuntimeMax(logger, bridge, connectionId, childPid, exit.RuntimeMaxSignalName, status, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            case { RuntimeMaxSignal: 0 }:
                HandoffKilled(logger, bridge, connectionId, childPid, exit.SignalName, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            default:
                HandoffKilledAtRuntimeMax(logger, bridge, connectionId, childPid, exit.RuntimeMaxSignalName, exit.SignalName, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
        }
    }

    [LoggerMessage(EventId = LogEventIds.HandoffExited, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId}: child {ChildPid} exited with status {ExitStatus} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB; watching the socket again")]
    private static partial void HandoffExited(ILogger logger, string bridge, string connectionId, int childPid, int exitStatus, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.HandoffKilled, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId}: child {ChildPid} killed by {Signal} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB; watching the socket again")]
    private static partial void HandoffKilled(ILogger logger, string bridge, string connectionId, int childPid, string signal, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.HandoffExitedAtRuntimeMax, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId}: child {ChildPid} reached RuntimeMax and was sent {RuntimeMaxSignal}; it exited with status {ExitStatus} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB; watching the socket again")]
    private static partial void HandoffExitedAtRuntimeMax(ILogger logger, string bridge, string connectionId, int childPid, string runtimeMaxSignal, int exitStatus, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.HandoffKilledAtRuntimeMax, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId}: child {ChildPid} reached RuntimeMax and was sent {RuntimeMaxSignal}; it was killed by {Signal} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB; watching the socket again")]
    private static partial void HandoffKilledAtRuntimeMax(ILogger logger, string bridge, string connectionId, int childPid, string runtimeMaxSignal, string signal, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.HandoffSpawnFailed, Level = LogLevel.Error, Message = "{Bridge} {ConnectionId}: cannot launch {Exec}: {Error}")]
    public static partial void HandoffSpawnFailed(ILogger logger, string bridge, string connectionId, string exec, string error);

    [LoggerMessage(EventId = LogEventIds.HandoffPaused, Level = LogLevel.Warning, Message = "{Bridge}: the program {Outcome}, {Left} ({QuickExits} {Times} in a row); starting it again in {Pause}")]
    public static partial void HandoffPaused(ILogger logger, string bridge, string outcome, string left, int quickExits, string times, TimeSpan pause);

    [LoggerMessage(EventId = LogEventIds.Forwarded, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId} from {Peer}: forwarded to {Target}: {BytesIn} bytes in, {BytesOut} bytes out, {DurationMs} ms, {Outcome}")]
    public static partial void Forwarded(ILogger logger, string bridge, string connectionId, string peer, string target, long bytesIn, long bytesOut, long durationMs, string outcome);

    [LoggerMessage(EventId = LogEventIds.TargetUnreachable, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId} from {Peer}: refused, cannot reach {Error}")]
    public static partial void TargetUnreachable(ILogger logger, string bridge, string connectionId, string peer, string error);

    [LoggerMessage(EventId = LogEventIds.TargetUnreachableSummary, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId} from {Peer}: refused, cannot reach {Error}; {Suppressed} more refused for the same reason since the last entry")]
    public static partial void TargetUnreachableSummary(ILogger logger, string bridge, string connectionId, string peer, string error, long suppressed);

    [LoggerMessage(EventId = LogEventIds.Refused, Level = LogLevel.Warning, Message = "{Bridge}: refused connection from {Peer}: {Reason}")]
    public static partial void Refused(ILogger logger, string bridge, string peer, string reason);

    [LoggerMessage(EventId = LogEventIds.RefusedSummary, Level = LogLevel.Warning, Message = "{Bridge}: refused connection from {Peer}: {Reason}; {Suppressed} more refused since the last entry")]
    public static partial void RefusedSummary(ILogger logger, string bridge, string peer, string reason, long suppressed);

    [LoggerMessage(EventId = LogEventIds.RefusedFlush, Level = LogLevel.Warning, Message = "{Bridge}: {Suppressed} more connection(s) refused since the last entry, the last from {Peer}: {Reason}")]
    public static partial void RefusedFlush(ILogger logger, string bridge, long suppressed, string peer, string reason);

    [LoggerMessage(EventId = LogEventIds.TargetUnreachableFlush, Level = LogLevel.Warning, Message = "{Bridge}: {Suppressed} more connection(s) refused since the last entry, the last ({ConnectionId} from {Peer}) because it cannot reach {Error}")]
    public static partial void TargetUnreachableFlush(ILogger logger, string bridge, long suppressed, string connectionId, string peer, string error);

    [LoggerMessage(EventId = LogEventIds.DescriptorsShort, Level = LogLevel.Error, Message = "{Bridge}: refusing connections on {Listen}: {Error}; they are accepted again as soon as descriptors are free")]
    public static partial void DescriptorsShort(ILogger logger, string bridge, string listen, string error);

    [LoggerMessage(EventId = LogEventIds.DescriptorsAvailable, Level = LogLevel.Information, Message = "{Bridge}: descriptors are free again; accepting connections on {Listen}")]
    public static partial void DescriptorsAvailable(ILogger logger, string bridge, string listen);

    [LoggerMessage(EventId = LogEventIds.AcceptFailed, Level = LogLevel.Error, Message = "{Bridge}: accept on {Listen} failed: {Error}")]
    public static partial void AcceptFailed(ILogger logger, string bridge, string listen, string error);

    [LoggerMessage(EventId = LogEventIds.ConnectionFailed, Level = LogLevel.Error, Message = "{Bridge} {ConnectionId}: {Error}")]
    public static partial void ConnectionFailed(ILogger logger, string bridge, string connectionId, string error);

    [LoggerMessage(EventId = LogEventIds.ShutdownTimedOut, Level = LogLevel.Warning, Message = "{Bridge}: {Active} connection(s) still open after {ShutdownTimeout}; killing them")]
    public static partial void ShutdownTimedOut(ILogger logger, string bridge, int active, TimeSpan shutdownTimeout);

    [LoggerMessage(EventId = LogEventIds.QueueingAtLimit, Level = LogLevel.Warning, Message = "{Bridge}: MaxConnections ({MaxConnections}) reached; new clients wait in the listen backlog of {Listen} until a connection ends (OnLimit queue)")]
    public static partial void QueueingAtLimit(ILogger logger, string bridge, int maxConnections, string listen);

    [LoggerMessage(EventId = LogEventIds.BelowLimit, Level = LogLevel.Information, Message = "{Bridge}: below MaxConnections ({MaxConnections}) again; accepting on {Listen} at once")]
    public static partial void BelowLimit(ILogger logger, string bridge, int maxConnections, string listen);

    /// <summary>A FIFO session's program ended: one entry, with how it ended (and whether RuntimeMax ended it) and what it used.</summary>
    public static void FifoChildEnded(ILogger logger, string bridge, string connectionId, string listen, int childPid, ChildExit exit, long durationMs)
    {
        ResourceUsage u = exit.Usage;
        switch (exit)
        {
            case { ExitStatus: { } status, RuntimeMaxSignal: 0 }:
                FifoChildExited(logger, bridge, connectionId, listen, childPid, status, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            case { ExitStatus: { } status }:
                FifoChildExitedAtRuntimeMax(logger, bridge, connectionId, listen, childPid, exit.RuntimeMaxSignalName, status, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            case { RuntimeMaxSignal: 0 }:
                FifoChildKilled(logger, bridge, connectionId, listen, childPid, exit.SignalName, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
            default:
                FifoChildKilledAtRuntimeMax(logger, bridge, connectionId, listen, childPid, exit.RuntimeMaxSignalName, exit.SignalName, durationMs, u.UserMicroseconds, u.SystemMicroseconds, u.MaxResidentKib);
                break;
        }
    }

    [LoggerMessage(EventId = LogEventIds.FifoChildExited, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId} on {Listen}: session ended, child {ChildPid} exited with status {ExitStatus} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void FifoChildExited(ILogger logger, string bridge, string connectionId, string listen, int childPid, int exitStatus, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.FifoChildKilled, Level = LogLevel.Information, Message = "{Bridge} {ConnectionId} on {Listen}: session ended, child {ChildPid} killed by {Signal} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void FifoChildKilled(ILogger logger, string bridge, string connectionId, string listen, int childPid, string signal, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.FifoChildExitedAtRuntimeMax, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId} on {Listen}: session ended, child {ChildPid} reached RuntimeMax and was sent {RuntimeMaxSignal}; it exited with status {ExitStatus} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void FifoChildExitedAtRuntimeMax(ILogger logger, string bridge, string connectionId, string listen, int childPid, string runtimeMaxSignal, int exitStatus, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.FifoChildKilledAtRuntimeMax, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId} on {Listen}: session ended, child {ChildPid} reached RuntimeMax and was sent {RuntimeMaxSignal}; it was killed by {Signal} after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void FifoChildKilledAtRuntimeMax(ILogger logger, string bridge, string connectionId, string listen, int childPid, string runtimeMaxSignal, string signal, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.FifoSpawnFailed, Level = LogLevel.Error, Message = "{Bridge} {ConnectionId} on {Listen}: cannot launch {Exec}: {Error}")]
    public static partial void FifoSpawnFailed(ILogger logger, string bridge, string connectionId, string listen, string exec, string error);

    [LoggerMessage(EventId = LogEventIds.FifoTargetUnreachable, Level = LogLevel.Warning, Message = "{Bridge} {ConnectionId} on {Listen}: session refused, cannot reach {Error}; its {BytesIn} bytes were read and discarded")]
    public static partial void FifoTargetUnreachable(ILogger logger, string bridge, string connectionId, string listen, string error, long bytesIn);

    [LoggerMessage(EventId = LogEventIds.FifoFailed, Level = LogLevel.Error, Message = "{Bridge}: stopped serving {Listen}: {Error}")]
    public static partial void FifoFailed(ILogger logger, string bridge, string listen, string error);

    [LoggerMessage(EventId = LogEventIds.FifoRefused, Level = LogLevel.Warning, Message = "{Bridge} on {Listen}: session refused: {Reason}; trying again in {Pause}")]
    public static partial void FifoRefused(ILogger logger, string bridge, string listen, string reason, TimeSpan pause);

    [LoggerMessage(EventId = LogEventIds.FifoPaused, Level = LogLevel.Warning, Message = "{Bridge} on {Listen}: the program {Outcome}, bytes still in the FIFO ({QuickExits} {Times} in a row); starting it again in {Pause}")]
    public static partial void FifoPaused(ILogger logger, string bridge, string listen, string outcome, int quickExits, string times, TimeSpan pause);
}
