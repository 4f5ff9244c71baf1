using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Handover;
using SocketBridge.Metrics;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// inetd <c>nowait</c> (SPEC 5, spawn): each connection launches the program
/// with the connection socket itself on fds 0, 1 and 3, stderr as
/// StandardError says, in a new session, with exactly the SPEC's
/// environment. The connection lasts as long as the program.
/// </summary>
internal sealed class SpawnMode : IConnectionHandler
{
    private readonly string _name;
    private readonly bool _standardErrorToSocket;
    private readonly ChildEnvironment _environment;
    private readonly ProgramLauncher _launcher;
    private readonly ILogger _logger;
    private readonly ChildReaper _reaper;
    private readonly HandoverGate _gate;
    private readonly BridgeTally _tally;

    public SpawnMode(BridgeOptions bridge, ProgramOptions program, ChildReaper reaper, SafeFileHandle devNull, ILogger logger, HandoverGate gate, BridgeTally tally)
    {
        _tally = tally;
        _reaper = reaper;
        _gate = gate;
        _name = bridge.Name;
        _standardErrorToSocket = program.StandardError == StandardErrorMode.Socket;
        _environment = ChildEnvironment.ForConnection(bridge.Name, program.Environment);
        _launcher = new ProgramLauncher(reaper, devNull, program, setListenPid: true, tally);
        _logger = logger;
    }

    public async Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill)
    {
        using IDisposable? scope = _logger.BeginScope(new ConnectionScope(_name, connection));
        ProgramRun run;
        // The launch and its record are one step for a re-exec: it finds the
        // connection either not started or served by this program.
        _gate.Enter();
        try
        {
            // The connection socket itself on fds 0, 1 and 3 (and 2 with StandardError socket).
            SafeSocketHandle socket = connection.Socket.SafeHandle;
            run = _launcher.Start(
                _environment.For(connection),
                (pid, line) => BridgeLog.ChildStandardError(_logger, _name, connection.Id, pid, line),
                input: socket,
                output: socket,
                error: _standardErrorToSocket ? socket : null,
                passed: [socket],
                descriptorCeiling: connection.DescriptorCeiling,
                handOver: connection); // The program has its copies; the daemon keeps none.
            connection.ProgramCapture = run.Capture;
            connection.Phase = ConnectionPhase.Program;
            _tally.RecordLaunchLatency(System.Diagnostics.Stopwatch.GetElapsedTime(connection.AcceptedAt));
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            BridgeLog.SpawnFailed(_logger, _name, connection.Id, connection.Peer.Display, _launcher.Exec.Path, ex.Message);
            return;
        }
        finally
        {
            _gate.Exit();
        }

        await WaitAsync(run, connection.Id, connection.Peer, null, connection.AcceptedAt, () => connection.Phase = ConnectionPhase.Ended, stop, kill).ConfigureAwait(false);
    }

    /// <summary>A program launched by the previous image (a re-exec) for a connection: watched on, its end logged with the connection's first id.</summary>
    public async Task ResumeAsync(ConnectionHandover handover, Connection? connection, LiveConnections live, CancellationToken stop, CancellationToken kill)
    {
        ProgramHandover program = handover.Program ?? throw new InvalidOperationException($"connection {handover.Id} carried over with neither socket nor program");
        ChildProcess child = _reaper.TakeAdopted(program.Pid) ?? throw new InvalidOperationException($"program {program.Pid} of connection {handover.Id} was not carried over");
        ProgramRun run = ProgramLauncher.Resume(child, program, (pid, line) => BridgeLog.ChildStandardError(_logger, _name, handover.Id, pid, line));
        live.Add(handover, carried => handover with { Program = run.Capture(carried) });
        try
        {
            await WaitAsync(run, handover.Id, null, handover.Peer, handover.AcceptedAt, () => live.Remove(handover), stop, kill).ConfigureAwait(false);
        }
        finally
        {
            live.Remove(handover);
        }
    }

    /// <summary>
    /// Waits for the program's end and logs it. <paramref name="ended"/>
    /// takes the connection out of a re-exec's reach first, inside the
    /// gate: its end is logged by this image or, if a re-exec came first,
    /// by the next one, never by both. The peer is <paramref name="peerInfo"/>
    /// or, carried over, <paramref name="peer"/>: shown only when the end is
    /// logged, as most ends are not at the usual levels (issue 21).
    /// </summary>
    private async Task WaitAsync(ProgramRun run, string id, PeerInfo? peerInfo, string? peer, long acceptedAt, Action ended, CancellationToken stop, CancellationToken kill)
    {
        using (run)
        {
            ChildExit exit = await run.WaitAsync(stop, kill).ConfigureAwait(false);
            _gate.Enter();
            try
            {
                ended();
            }
            finally
            {
                _gate.Exit();
            }

            long elapsed = (long)System.Diagnostics.Stopwatch.GetElapsedTime(acceptedAt).TotalMilliseconds;
            _tally.CountExit(exit.ExitStatus, exit.Signal);
            if (BridgeLog.ChildEndLogged(_logger, exit))
            {
                BridgeLog.ChildEnded(_logger, _name, id, peerInfo?.Display ?? peer ?? string.Empty, run.Pid, exit, elapsed);
            }
        }
    }
}
