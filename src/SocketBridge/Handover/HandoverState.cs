namespace SocketBridge.Handover;

/// <summary>
/// What one image of the daemon hands the next across execve(2)
/// (<c>socketbridge reexec</c>): written once into a sealed memfd, read once
/// at start. Descriptors are numbers valid in the new image (the same
/// process keeps them: only these lose close-on-exec). Timestamps are
/// CLOCK_MONOTONIC, as Stopwatch reads it, which the exec does not reset.
/// </summary>
internal sealed record HandoverState
{
    /// <summary>The layout's version; an image reads only the ones it knows (<see cref="HandoverFormat.Version"/>).</summary>
    public required int Version { get; init; }

    /// <summary>The program that was executed, as the old image named it.</summary>
    public required string Program { get; init; }

    /// <summary>When the re-exec was asked for (Stopwatch timestamp), so the new image can say how long it took.</summary>
    public long RequestedAt { get; init; }

    /// <summary>What asked: "control" (socketbridge reexec) or "SIGUSR2".</summary>
    public string Origin { get; init; } = "control";

    /// <summary>The connection-id prefix and the last number given, so ids go on where they were.</summary>
    public string IdPrefix { get; init; } = string.Empty;

    public long LastId { get; init; }

    /// <summary>The control client that asked for the re-exec, to be answered by the new image; -1 for none.</summary>
    public int ReplyFd { get; init; } = -1;

    public IReadOnlyList<BridgeHandover> Bridges { get; init; } = [];

    /// <summary>Socket files and FIFOs the daemon made, which it removes when it stops (or their bridge goes).</summary>
    public IReadOnlyList<NodeHandover> Nodes { get; init; } = [];

    /// <summary>The FIFOs the daemon listens on: their read end, and the write end it holds between sessions.</summary>
    public IReadOnlyList<FifoHandover> Fifos { get; init; } = [];

    /// <summary>The log's counters (entries written and dropped, per sink), which status shows.</summary>
    public IReadOnlyList<LogSinkHandover> Log { get; init; } = [];

    /// <summary>Reloads and re-execs counted so far (null from an image that predates the metrics).</summary>
    public DaemonTallyHandover? Daemon { get; init; }

    /// <summary>The metrics endpoint's histograms (empty when it was off).</summary>
    public IReadOnlyList<HistogramHandover> Histograms { get; init; } = [];

    /// <summary>Every descriptor the state names (the listening sockets are in the environment instead).</summary>
    public List<int> Descriptors()
    {
        List<int> all = [ReplyFd, .. Nodes.Select(n => n.DirectoryFd), .. Fifos.SelectMany(f => (int[])[f.ReaderFd, f.WriterFd])];
        foreach (BridgeHandover bridge in Bridges)
        {
            foreach (ConnectionHandover connection in bridge.Connections)
            {
                all.Add(connection.SocketFd);
                all.Add(connection.Program?.StandardErrorFd ?? -1);
                if (connection.Relay is { } relay)
                {
                    all.AddRange([relay.ClientFd, relay.TargetFd, relay.Up.PipeReadFd, relay.Up.PipeWriteFd, relay.Down.PipeReadFd, relay.Down.PipeWriteFd]);
                }
            }

            all.Add(bridge.Handoff?.Program.StandardErrorFd ?? -1);
            all.Add(bridge.Backend?.Program.StandardErrorFd ?? -1);
        }

        all.RemoveAll(fd => fd < 0);
        return all;
    }
}

/// <summary>What one log sink wrote and dropped so far.</summary>
internal sealed record LogSinkHandover
{
    public required string Sink { get; init; }

    public long Written { get; init; }

    public long Dropped { get; init; }
}

/// <summary>A file the daemon made: the descriptor of its directory, its name there, and what it was (to remove only that very file).</summary>
internal sealed record NodeHandover
{
    public required string Path { get; init; }

    public required int DirectoryFd { get; init; }

    public required string Name { get; init; }

    public uint Mode { get; init; }

    public uint Uid { get; init; }

    public uint Gid { get; init; }

    public ulong Device { get; init; }

    public ulong Inode { get; init; }
}

/// <summary>A FIFO listened on: its read end, and its write end (-1 while a session runs).</summary>
internal sealed record FifoHandover
{
    public required string Path { get; init; }

    public required int ReaderFd { get; init; }

    public int WriterFd { get; init; } = -1;
}

/// <summary>One bridge: its counters and what it was serving.</summary>
internal sealed record BridgeHandover
{
    public required string Name { get; init; }

    public long Total { get; init; }

    public long Refused { get; init; }

    /// <summary>What the bridge counted for its metrics (null from an image that predates them).</summary>
    public TallyHandover? Tally { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? LastErrorTime { get; init; }

    public IReadOnlyList<ConnectionHandover> Connections { get; init; } = [];

    /// <summary>A handoff bridge's program that was running, or a FIFO bridge's session program, if any.</summary>
    public SessionHandover? Handoff { get; init; }

    /// <summary>A forward bridge's on-demand backend, if it was running.</summary>
    public SessionHandover? Backend { get; init; }

    /// <summary>Where the bridge's relaunch back-off stood (a handoff program, an on-demand backend), if it had begun.</summary>
    public PauseHandover? Pause { get; init; }
}

/// <summary>
/// A relaunch back-off: quick exits (or crashes) in a row, the pause they
/// have grown to, and until when (Stopwatch timestamp) no launch may happen.
/// </summary>
internal sealed record PauseHandover
{
    public int QuickExits { get; init; }

    public TimeSpan Length { get; init; }

    public long Until { get; init; }
}

/// <summary>
/// One accepted connection: not started yet (<see cref="SocketFd"/>: the new
/// image serves it from the beginning), relayed (<see cref="Relay"/>), or
/// served by a launched program (<see cref="Program"/>).
/// </summary>
internal sealed record ConnectionHandover
{
    public required string Id { get; init; }

    /// <summary>When it was accepted (Stopwatch timestamp).</summary>
    public long AcceptedAt { get; init; }

    /// <summary>The client, as the logs show it.</summary>
    public string Peer { get; init; } = string.Empty;

    /// <summary>Which of the bridge's listening sockets it came in on.</summary>
    public int Listener { get; init; }

    public int SocketFd { get; init; } = -1;

    public RelayHandover? Relay { get; init; }

    public ProgramHandover? Program { get; init; }
}

/// <summary>A relayed connection, both sockets and both directions.</summary>
internal sealed record RelayHandover
{
    public required int ClientFd { get; init; }

    public required int TargetFd { get; init; }

    /// <summary>Microseconds of IdleTimeout left (0: none).</summary>
    public long IdleLeft { get; init; }

    public required DirectionHandover Up { get; init; }

    public required DirectionHandover Down { get; init; }
}

/// <summary>One direction of a relay: what it moved, what waits in its pipe or buffer, and how far it got.</summary>
internal sealed record DirectionHandover
{
    public long Moved { get; init; }

    public bool Eof { get; init; }

    public bool Finished { get; init; }

    public bool Bulk { get; init; }

    public bool Spliceable { get; init; } = true;

    /// <summary>The pipe holding bytes taken from the sender (-1: none), and how many.</summary>
    public int PipeReadFd { get; init; } = -1;

    public int PipeWriteFd { get; init; } = -1;

    public int Held { get; init; }

    /// <summary>A whole seqpacket message waiting for the receiver, if any.</summary>
    public byte[]? Message { get; init; }
}

/// <summary>A launched program the new image watches on: it is still this process's child.</summary>
internal sealed record ProgramHandover
{
    public required int Pid { get; init; }

    public bool LeadsGroup { get; init; } = true;

    /// <summary>The daemon's end of the program's stderr (-1: it does not go to the log).</summary>
    public int StandardErrorFd { get; init; } = -1;

    /// <summary>The wait status, when the old image had already reaped it but not logged its end.</summary>
    public int? WaitStatus { get; init; }

    /// <summary>What it used, with <see cref="WaitStatus"/>.</summary>
    public Native.ResourceUsage? Usage { get; init; }

    /// <summary>RuntimeMax: the Stopwatch timestamp (CLOCK_MONOTONIC, the same after execve) at which its group gets SIGTERM; null without RuntimeMax.</summary>
    public long? RuntimeDeadline { get; init; }

    /// <summary>RuntimeMax: how long after SIGTERM SIGKILL follows, in milliseconds.</summary>
    public long RuntimeKillAfterMs { get; init; }

    /// <summary>RuntimeMax: the signal already sent (SIGTERM or SIGKILL), 0 when none yet.</summary>
    public int RuntimeMaxSignal { get; init; }
}

/// <summary>A program a bridge runs for itself (a handoff program, an on-demand backend), with its session id.</summary>
internal sealed record SessionHandover
{
    public required string Id { get; init; }

    public long StartedAt { get; init; }

    public required ProgramHandover Program { get; init; }
}
