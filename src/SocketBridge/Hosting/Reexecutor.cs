using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Bridges;
using SocketBridge.Control;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Handover;
using SocketBridge.Logging;
using SocketBridge.Metrics;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Hosting;

/// <summary>
/// <c>socketbridge reexec</c> and SIGUSR2 (issue 17): the daemon executes
/// its program again in the same process, so after an upgrade the new
/// program serves on with the same PID, keeping every listening socket and
/// its backlog, every forwarded connection with its bytes in flight, every
/// launched program, the counters and the control socket. First the new
/// program is run as a child with <c>check</c>: if it does not start, does
/// not accept the configuration, or does not read this daemon's handover,
/// the re-exec is refused and nothing has changed. Then the daemon is held
/// still (<see cref="HandoverGate"/>, the relay loops, the reaper), its
/// state written into a sealed memfd, only the descriptors it names made to
/// survive execve, and the program executed. If execve itself fails,
/// everything goes on. As a hosted service, the new image's last start step:
/// it says how the re-exec went and answers whoever asked.
/// </summary>
internal sealed partial class Reexecutor(
    DaemonProgram program,
    BridgeSupervisor supervisor,
    RetiringBridges retiring,
    RelayEngine relays,
    ChildReaper reaper,
    HandoverGate gate,
    BridgeFactory factory,
    ServiceNotifier notifier,
    ControlListener control,
    CarriedOver carried,
    LogPipeline log,
    LogCounters logCounters,
    DaemonTally daemonTally,
    MetricsListeners metricsListeners,
    IEnumerable<MetricsCollector> metrics,
    ILogger<Reexecutor> logger) : IReexecutor, IHostedService
{
    /// <summary>How long the steps under way (an accept, a launch) may take to finish before a re-exec gives up.</summary>
    private static readonly TimeSpan StillDeadline = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan LogFlush = TimeSpan.FromSeconds(1);

    public Task<ReexecResult> ReexecAsync(Socket? client, string origin, CancellationToken cancellationToken) =>
        supervisor.ExclusiveAsync(() => ReexecNowAsync(client, origin), cancellationToken);

    /// <summary>SIGUSR2: as socketbridge reexec, the outcome logged.</summary>
    public async Task ReexecOnSignalAsync()
    {
        try
        {
            await ReexecAsync(null, "SIGUSR2", CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // SIGUSR2 while stopping: nothing to re-execute.
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (carried.Problem is { } problem)
        {
            LogHandoverUnreadable(logger, problem);
        }

        foreach (BridgeHandover untaken in carried.Untaken())
        {
            LogLeftBehind(logger, untaken.Name, untaken.Connections.Count);
        }

        if (carried.State is not { } state)
        {
            return Task.CompletedTask;
        }

        daemonTally.CountReexec(succeeded: true);
        long elapsed = (long)Stopwatch.GetElapsedTime(state.RequestedAt).TotalMilliseconds;
        int connections = state.Bridges.Sum(b => b.Connections.Count);
        int relayed = state.Bridges.Sum(b => b.Connections.Count(c => c.Relay is not null));
        int programs = carried.Programs.Count();
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"{state.Program} (pid {Environment.ProcessId}) in {elapsed} ms: carried {carried.Listeners.Count} listening socket(s), {connections} connection(s) ({relayed} relayed), {programs} program(s)");
        LogReexecuted(logger, state.Origin, summary);
        if (state.ReplyFd >= 0)
        {
            Answer(state.ReplyFd, new ReexecResult(true, ExitCodes.Success, summary));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<ReexecResult> ReexecNowAsync(Socket? client, string origin)
    {
        LogRequested(logger, origin, program.Path);
        IReadOnlyList<string>? checkArguments = program.CheckArguments();
        if (checkArguments is null)
        {
            return Refuse(ExitCodes.Failure, "only a daemon started with 'socketbridge run' can re-execute (serve has no configuration to carry)");
        }

        (int exitCode, string output) = await ProgramCheck.RunAsync(reaper, program.Path, checkArguments).ConfigureAwait(false);
        if (exitCode == ExitCodes.Config)
        {
            return Refuse(ExitCodes.Config, $"{program.Path} refuses the configuration: {Trim(output)}");
        }

        if (exitCode != 0)
        {
            return Refuse(ExitCodes.Failure, exitCode < 0
                ? $"{program.Path} cannot be run: {Trim(output)}"
                : string.Create(CultureInfo.InvariantCulture, $"{program.Path} check exited with status {exitCode}: {Trim(output)}"));
        }

        string expected = string.Create(CultureInfo.InvariantCulture, $"{HandoverFormat.CheckLinePrefix}{HandoverFormat.Version}");
        if (!output.Split('\n').Any(line => line.Trim() == expected))
        {
            return Refuse(ExitCodes.Failure, string.Create(CultureInfo.InvariantCulture,
                $"{program.Path} does not read this daemon's handover (version {HandoverFormat.Version}): it would not keep the connections; restart it instead"));
        }

        return Execute(client, origin);
    }

    private ReexecResult Execute(Socket? client, string origin)
    {
        long requested = Stopwatch.GetTimestamp();
        notifier.Reexecuting();
        if (!gate.Close(StillDeadline))
        {
            notifier.Ready("serving again: the re-exec was refused");
            return Refuse(ExitCodes.Failure, $"the daemon did not come to rest within {StillDeadline.TotalSeconds:0} s");
        }

        var carried = new CarriedDescriptors();
        int memfd = -1;
        try
        {
            IReadOnlyDictionary<string, RelayHandover> relayed;
            try
            {
                relayed = relays.FreezeAsync().WaitAsync(StillDeadline).GetAwaiter().GetResult();
            }
            catch (TimeoutException)
            {
                return Undo("the relay loops did not come to rest", carried, memfd);
            }

            reaper.Freeze();
            (HandoverState state, List<(int Fd, string Name, string Bridge)> listeners, int left) = Capture(client, origin, requested, relayed, carried);
            if (left > 0)
            {
                LogLeavingBehind(logger, left);
            }

            memfd = SealedMemory.Create(HandoverFormat.MemfdName, HandoverFormat.Serialize(state));
            ProcessImage.KeepAcrossExec(memfd);
            List<string> environment = ExecEnvironment(memfd, listeners);
            LogExecuting(logger, program.Path, state.Bridges.Sum(b => b.Connections.Count));
            log.Flush(LogFlush);
            int errno = ProcessImage.Exec(program.Path, program.Arguments, environment);
            return Undo($"execve {program.Path}: {Errno.Message(errno)}", carried, memfd);
        }
        catch (Exception ex) when (ex is NativeCallException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            return Undo(ex.Message, carried, memfd);
        }
    }

    /// <summary>
    /// The state, every descriptor in it a copy made now (<see cref="CarriedDescriptors"/>),
    /// and the listening sockets (by copy too) with their names and bridges.
    /// </summary>
    private (HandoverState State, List<(int Fd, string Name, string Bridge)> Listeners, int Left) Capture(Socket? client, string origin, long requested, IReadOnlyDictionary<string, RelayHandover> relayed, CarriedDescriptors carried)
    {
        int left = 0;
        var bridges = new List<BridgeHandover>();
        var listeners = new List<(int, string, string)>();
        var nodes = new List<NodeHandover>();
        var fifos = new List<FifoHandover>();
        foreach (Bridge bridge in supervisor.Bridges)
        {
            bridges.Add(bridge.Capture(relayed, carried, ref left));
            foreach (IListener listener in bridge.Listeners)
            {
                if (listener is BoundListener bound && carried.Carry(bound.Socket.SafeHandle) is >= 0 and int fd)
                {
                    // Named as systemd passed it, if it did; one the daemon bound itself has no name.
                    // Named by its FDNAME when it is in systemd's file-descriptor store, so the next image knows it is.
                    listeners.Add((fd, bound.StoredName ?? bound.InheritedName ?? string.Empty, bridge.Options.Name));
                    AddNode(nodes, bound.Created, carried);
                }
                else if (listener is FifoListener fifo && carried.Carry(fifo.Reader) is >= 0 and int reader)
                {
                    fifos.Add(new FifoHandover { Path = fifo.Path, ReaderFd = reader, WriterFd = carried.Carry(fifo.Writer) });
                    AddNode(nodes, fifo.Created, carried);
                }
            }
        }

        // Bridges retiring after a reload: their connections go on under the bridge of the same name, if any.
        foreach (Bridge bridge in retiring.Snapshot())
        {
            BridgeHandover old = bridge.Capture(relayed, carried, ref left);
            int index = bridges.FindIndex(b => b.Name == old.Name);
            if (index >= 0)
            {
                bridges[index] = bridges[index] with { Connections = [.. bridges[index].Connections, .. old.Connections] };
            }
            else
            {
                left += old.Connections.Count;
            }
        }

        if (control.Listener is { } controlListener && carried.Carry(controlListener.Socket.SafeHandle) is >= 0 and int controlFd)
        {
            listeners.Add((controlFd, string.Empty, string.Empty));
            AddNode(nodes, controlListener.Created, carried);
        }

        // The metrics endpoint's sockets, marked as its own: the next image's takes them back, whatever port they got.
        foreach (BoundListener metricsListener in metricsListeners.Listeners)
        {
            if (carried.Carry(metricsListener.Socket.SafeHandle) is >= 0 and int metricsFd)
            {
                listeners.Add((metricsFd, string.Empty, MetricsListeners.Owner));
                AddNode(nodes, metricsListener.Created, carried);
            }
        }

        var state = new HandoverState
        {
            Version = HandoverFormat.Version,
            Program = program.Path,
            RequestedAt = requested,
            Origin = origin,
            IdPrefix = factory.Ids.Prefix,
            LastId = factory.Ids.Last,
            ReplyFd = carried.Carry(client?.SafeHandle),
            Bridges = bridges,
            Nodes = nodes,
            Fifos = fifos,
            Log = [.. logCounters.Status().Select(s => new LogSinkHandover { Sink = s.Sink, Written = s.Written, Dropped = s.Dropped })],
            Daemon = daemonTally.Capture(),
            Histograms = [.. metrics.SelectMany(m => m.Capture())],
        };
        return (state, listeners, left);
    }

    /// <summary>A file the daemon made, so the next image removes it when its bridge goes, as this one would have.</summary>
    private static void AddNode(List<NodeHandover> nodes, CreatedNode? created, CarriedDescriptors carried)
    {
        if (created is null || carried.Carry(created.Directory.Handle) is not (>= 0 and int directory))
        {
            return;
        }

        FileStatus file = created.File;
        nodes.Add(new NodeHandover
        {
            Path = created.Path,
            DirectoryFd = directory,
            Name = created.Name,
            Mode = file.Mode,
            Uid = file.Uid,
            Gid = file.Gid,
            Device = file.Device,
            Inode = file.Inode,
        });
    }

    /// <summary>The daemon's environment as it is now (LISTEN_* long removed), with the handover's variables.</summary>
    private static List<string> ExecEnvironment(int memfd, List<(int Fd, string Name, string Bridge)> listeners)
    {
        var variables = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            string key = (string)entry.Key;
            if (key is HandoverFormat.StateVariable or HandoverFormat.ListenFdsVariable or HandoverFormat.ListenNamesVariable or HandoverFormat.ListenBridgesVariable or HandoverFormat.CheckVariable)
            {
                continue;
            }

            variables.Add($"{key}={entry.Value}");
        }

        variables.Add(string.Create(CultureInfo.InvariantCulture, $"{HandoverFormat.StateVariable}={memfd}"));
        variables.Add($"{HandoverFormat.ListenFdsVariable}={string.Join(':', listeners.Select(l => l.Fd.ToString(CultureInfo.InvariantCulture)))}");
        variables.Add($"{HandoverFormat.ListenNamesVariable}={string.Join(':', listeners.Select(l => l.Name.Replace(':', '_')))}");
        variables.Add($"{HandoverFormat.ListenBridgesVariable}={string.Join(':', listeners.Select(l => l.Bridge))}");
        return variables;
    }

    /// <summary>The exec did not happen: everything goes on as it was.</summary>
    private ReexecResult Undo(string reason, CarriedDescriptors carried, int memfd)
    {
        carried.Dispose();
        if (memfd >= 0)
        {
            Posix.Close(memfd);
        }

        reaper.Thaw();
        relays.Thaw();
        gate.Reopen();
        notifier.Ready("serving again: the re-exec failed");
        return Refuse(ExitCodes.Failure, reason);
    }

    private ReexecResult Refuse(int exitCode, string reason)
    {
        daemonTally.CountReexec(succeeded: false);
        LogRefused(logger, reason);
        return new ReexecResult(false, exitCode, reason);
    }

    private static string Trim(string output)
    {
        string text = output.Trim().ReplaceLineEndings(" | ");
        return text.Length == 0 ? "(no output)" : text.Length > 500 ? text[..500] + "…" : text;
    }

    /// <summary>The new image's answer to the client that asked, on the connection the old one accepted.</summary>
    private static void Answer(int fd, ReexecResult result)
    {
        try
        {
            using var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            socket.Blocking = true;
            socket.SendTimeout = 5000;
            socket.Send(JsonSerializer.SerializeToUtf8Bytes(result, ControlJsonContext.Default.ReexecResult));
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The client went away: the outcome is in the log.
        }
    }

    [LoggerMessage(EventId = LogEventIds.ReexecRequested, Level = LogLevel.Information, Message = "re-exec asked by {Origin}: checking {Program} first")]
    private static partial void LogRequested(ILogger logger, string origin, string program);

    [LoggerMessage(EventId = LogEventIds.ReexecRefused, Level = LogLevel.Error, Message = "re-exec refused, the daemon goes on unchanged: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = LogEventIds.Reexecuting, Level = LogLevel.Information, Message = "re-executing {Program}, carrying {ConnectionCount} connection(s)")]
    private static partial void LogExecuting(ILogger logger, string program, int connectionCount);

    [LoggerMessage(EventId = LogEventIds.Reexecuted, Level = LogLevel.Information, Message = "re-executed (asked by {Origin}): {Summary}")]
    private static partial void LogReexecuted(ILogger logger, string origin, string summary);

    [LoggerMessage(EventId = LogEventIds.HandoverUnreadable, Level = LogLevel.Critical, Message = "the previous image's handover cannot be read: {Problem}; the listening sockets are kept, the connections and programs it carried are not taken over")]
    private static partial void LogHandoverUnreadable(ILogger logger, string problem);

    [LoggerMessage(EventId = LogEventIds.HandoverLeftBehind, Level = LogLevel.Warning, Message = "re-exec: bridge {Bridge} is not in the configuration any more: its {ConnectionCount} connection(s) carried over are not served on")]
    private static partial void LogLeftBehind(ILogger logger, string bridge, int connectionCount);

    [LoggerMessage(EventId = LogEventIds.HandoverNotCarried, Level = LogLevel.Warning, Message = "re-exec: {ConnectionCount} connection(s) in no state to be carried over (a copy to a FIFO Target, a bridge retiring after a reload) end with this image")]
    private static partial void LogLeavingBehind(ILogger logger, int connectionCount);
}
