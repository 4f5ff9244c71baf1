namespace SocketBridge.Logging;

/// <summary>
/// The registry of every log entry's EventId: stable numbers operators can
/// filter and alert on (the JSON console output carries them as
/// <c>EventId.Id</c>), grouped by subject with room left in each group.
/// A number, once given, keeps its meaning; a retired entry's number is not
/// reused. Every <c>[LoggerMessage]</c> of the daemon takes its id from here
/// (a test checks that none is written as a bare number or left out).
/// </summary>
internal static class LogEventIds
{
    // 1-9: a bridge's listening sockets and its configuration.
    public const int Listening = 1;
    public const int StoppedListening = 2;
    public const int ConfigurationWarning = 3;
    public const int SocketOptionNote = 4;

    // 10-18: the program of a connection (spawn) or of a listening socket (handoff).
    public const int ChildExited = 10;
    public const int ChildKilled = 11;
    public const int SpawnFailed = 12;
    public const int ChildStandardError = 13;
    public const int HandoffLaunched = 14;
    public const int HandoffExited = 15;
    public const int HandoffKilled = 16;
    public const int HandoffSpawnFailed = 17;
    public const int HandoffPaused = 18;

    // 19-39: connections: forwarded, refused, failed; descriptors, limits, shutdown.
    public const int Forwarded = 19;
    public const int Refused = 20;
    public const int AcceptFailed = 21;
    public const int ConnectionFailed = 22;
    public const int TargetUnreachable = 23;
    public const int TargetUnreachableSummary = 24;
    public const int RefusedSummary = 25;
    public const int RefusedFlush = 26;
    public const int TargetUnreachableFlush = 27;
    public const int DescriptorsShort = 28;
    public const int DescriptorsAvailable = 29;
    public const int ShutdownTimedOut = 30;
    public const int QueueingAtLimit = 31;
    public const int BelowLimit = 32;

    /// <summary>At start: the open-file limit the daemon runs with, and about how many forwarded connections it allows.</summary>
    public const int OpenFilesLimit = 33;

    // 40-49: FIFO sessions.
    public const int FifoChildExited = 40;
    public const int FifoChildKilled = 41;
    public const int FifoSpawnFailed = 42;
    public const int FifoTargetUnreachable = 43;
    public const int FifoFailed = 44;
    public const int FifoRefused = 45;
    public const int FifoPaused = 46;

    // 50-59: a forward bridge's on-demand backend.
    public const int BackendStarted = 50;
    public const int BackendStartFailed = 51;
    public const int BackendStoppingIdle = 52;
    public const int BackendStopped = 53;
    public const int BackendExited = 54;
    public const int BackendStandardError = 55;

    // 60-69: the daemon's own log and its watchdog.
    /// <summary>"N log entries were dropped": a sink could not keep up (field DROPPED_ENTRIES).</summary>
    public const int EntriesDropped = 60;
    public const int WatchdogWithheld = 61;
    public const int WatchdogResumed = 62;

    // 70-79: children, signals, the service manager and the control socket.
    public const int ChildrenLost = 70;
    public const int NotifySocketUnreachable = 71;
    public const int SignalIgnored = 72;
    public const int ControlSocketShort = 73;
    public const int WaitFailed = 74;
    public const int UnknownChildReaped = 75;
    public const int ControlSocketUnavailable = 76;
    public const int ControlAcceptFailed = 77;

    // 80-99: the daemon's life: start, reload, socket activation, stop.
    public const int Ready = 80;
    public const int Reloaded = 81;
    public const int InheritedSocketProblem = 82;
    public const int InheritedSocketUnused = 83;
    public const int StartFailed = 84;
    public const int Hangup = 85;
    public const int ReloadRefused = 86;
    public const int ControlSocketKept = 87;
    public const int Stopping = 88;
    public const int KilledLingering = 89;
    public const int Stopped = 90;
    public const int SignalsTakenBack = 91;

    // 100-109: re-exec (socketbridge reexec, SIGUSR2) and what crosses it.
    public const int ReexecRequested = 100;
    public const int ReexecRefused = 101;
    public const int Reexecuted = 102;
    public const int HandoverUnreadable = 103;
    public const int HandoverLeftBehind = 104;
    public const int Reexecuting = 105;
    public const int HandoverNotCarried = 106;
    public const int CarriedFileUnused = 107;

    // 110-119: systemd's file-descriptor store (FileDescriptorStoreMax=).
    public const int SocketStored = 110;
    public const int StoredSocketReleased = 111;
    public const int FdStoreFailed = 112;
    public const int StoredSocketsKept = 113;

    // 120-129: a program ended by RuntimeMax (SIGTERM, then SIGKILL after ShutdownTimeout).
    public const int ChildExitedAtRuntimeMax = 120;
    public const int ChildKilledAtRuntimeMax = 121;
    public const int FifoChildExitedAtRuntimeMax = 122;
    public const int FifoChildKilledAtRuntimeMax = 123;
    public const int HandoffExitedAtRuntimeMax = 124;
    public const int HandoffKilledAtRuntimeMax = 125;
    public const int BackendEndedAtRuntimeMax = 126;

    // 130-139: the metrics endpoint (SocketBridge:Metrics).
    public const int MetricsServing = 130;
    public const int MetricsAcceptFailed = 131;
    public const int MetricsKept = 132;
}
