using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Handover;
using SocketBridge.Metrics;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// Spawn mode on a <c>fifo:</c> Listen (SPEC 5, FIFO listeners): a session
/// launches the program with the FIFO's read end itself as stdin (the daemon
/// copies nothing), stdout and stderr to the log; the session ends when the
/// program exits, which a reader like cat does at EOF, once every writer has
/// closed. Bytes the program left in the FIFO, or that a writer sent after
/// it, start the next session. A program that ends at once leaving the bytes
/// in the FIFO is started again only after a pause (<see cref="RelaunchBackoff"/>).
/// </summary>
internal sealed class FifoSpawnHandler : IFifoSessionHandler
{
    /// <summary>How long to wait before looking again when MaxConnections is reached.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    private readonly BridgeOptions _bridge;
    private readonly ProgramOptions _program;
    private readonly ProgramLauncher _launcher;
    private readonly ChildReaper _reaper;
    private readonly HandoverGate _gate;
    private readonly object _runningLock = new();
    private (ProgramRun Run, string Id, long Started)? _running;
    private SessionHandover? _resumed;

    public FifoSpawnHandler(BridgeOptions bridge, ProgramOptions program, ChildReaper reaper, SafeFileHandle devNull, HandoverGate gate, BridgeTally tally)
    {
        _reaper = reaper;
        _gate = gate;
        _bridge = bridge;
        _program = program;
        _launcher = new ProgramLauncher(reaper, devNull, program, setListenPid: false, tally);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public IFifoSessions Open(FifoListener fifo, BridgeContext context) => new Sessions(this, fifo, context);

    public BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried)
    {
        lock (_runningLock)
        {
            return _running is not { } running ? into : into with
            {
                Handoff = new SessionHandover { Id = running.Id, StartedAt = running.Started, Program = running.Run.Capture(carried) },
            };
        }
    }

    public void Resume(BridgeHandover from) => _resumed = from.Handoff;

    private static int? BytesWaiting(FifoListener fifo)
    {
        try
        {
            return Posix.BytesReadable(fifo.Reader);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    private static bool HasBytes(FifoListener fifo)
    {
        try
        {
            return Posix.WaitReadable(fifo.Reader, TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or NativeCallException)
        {
            return false;
        }
    }

    private static Task PauseAsync(TimeSpan pause, CancellationToken token) =>
        Task.Delay(pause, token).ContinueWith(static _ => { }, TaskScheduler.Default);

    /// <summary>One session: the program with the FIFO as stdin, until it exits; null when it could not be launched.</summary>
    private async Task<ChildExit?> RunProgramAsync(FifoListener fifo, ChildEnvironment environment, BridgeContext context)
    {
        string id = context.Ids.Next();
        long started = Stopwatch.GetTimestamp();
        ProgramRun run;
        // The launch and its record are one step for a re-exec.
        _gate.Enter();
        try
        {
            run = _launcher.Start(environment.ForSession(id), (pid, line) => BridgeLog.ChildStandardError(context.Logger, _bridge.Name, id, pid, line), input: fifo.Reader);
            lock (_runningLock)
            {
                _running = (run, id, started);
            }
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            BridgeLog.FifoSpawnFailed(context.Logger, _bridge.Name, id, fifo.Display, _launcher.Exec.Path, ex.Message);
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null; // Shutdown closed the FIFO first.
        }
        finally
        {
            _gate.Exit();
        }

        return await WaitAsync(run, id, started, fifo, context).ConfigureAwait(false);
    }

    /// <summary>The session program carried over by a re-exec, if there is one: watched to its end (the FIFO's write end stays closed meanwhile).</summary>
    private async Task<bool> ResumeAsync(FifoListener fifo, BridgeContext context)
    {
        if (Interlocked.Exchange(ref _resumed, null) is not { } resumed || _reaper.TakeAdopted(resumed.Program.Pid) is not { } child)
        {
            return false;
        }

        ProgramRun run = ProgramLauncher.Resume(child, resumed.Program, (pid, line) => BridgeLog.ChildStandardError(context.Logger, _bridge.Name, resumed.Id, pid, line));
        lock (_runningLock)
        {
            _running = (run, resumed.Id, resumed.StartedAt);
        }

        await WaitAsync(run, resumed.Id, resumed.StartedAt, fifo, context).ConfigureAwait(false);
        return true;
    }

    private async Task<ChildExit> WaitAsync(ProgramRun run, string id, long started, FifoListener fifo, BridgeContext context)
    {
        ChildExit exit = await run.WaitAsync(context.Stop, context.Kill).ConfigureAwait(false);
        // Out of a re-exec's reach before its end is logged: by this image or the next, never both.
        _gate.Enter();
        lock (_runningLock)
        {
            _running = null;
        }

        _gate.Exit();
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        long duration = (long)elapsed.TotalMilliseconds;
        context.Counters.Tally.CountExit(exit.ExitStatus, exit.Signal);
        context.Counters.Tally.RecordDuration(elapsed);
        BridgeLog.FifoChildEnded(context.Logger, _bridge.Name, id, fifo.Display, run.Pid, exit, duration);

        return exit;
    }

    /// <summary>The sessions of one FIFO: its environment and its relaunch backoff.</summary>
    private sealed class Sessions(FifoSpawnHandler handler, FifoListener fifo, BridgeContext context) : IFifoSessions
    {
        private readonly ChildEnvironment _environment = ChildEnvironment.ForFifoSession(handler._bridge.Name, handler._program.Environment, fifo.Path);
        private readonly RelaunchBackoff _backoff = new();

        /// <summary>The session the previous image had running (a re-exec), watched to its end first; false when the FIFO's loop must end.</summary>
        public async Task<bool> ResumeAsync()
        {
            if (Volatile.Read(ref handler._resumed) is null)
            {
                return true;
            }

            context.Counters.Readmit();
            bool resumed;
            try
            {
                resumed = await handler.ResumeAsync(fifo, context).ConfigureAwait(false);
            }
            finally
            {
                context.Counters.Release();
            }

            return !resumed || (fifo.EndSession() && !context.Accepting.IsCancellationRequested);
        }

        public async Task<bool> RunAsync()
        {
            BridgeOptions bridge = handler._bridge;
            if (!context.Counters.TryAdmit(bridge.MaxConnections))
            {
                BridgeLog.FifoRefused(context.Logger, bridge.Name, fifo.Display, $"MaxConnections ({bridge.MaxConnections}) reached", Pause);
                await PauseAsync(Pause, context.Accepting).ConfigureAwait(false);
                return true;
            }

            long started = Stopwatch.GetTimestamp();
            int? waitingBefore = BytesWaiting(fifo);
            ChildExit? exit;
            bool open;
            try
            {
                fifo.BeginSession();
                exit = await handler.RunProgramAsync(fifo, _environment, context).ConfigureAwait(false);
            }
            finally
            {
                open = fifo.EndSession();
                context.Counters.Release();
            }

            if (!open || context.Accepting.IsCancellationRequested)
            {
                return false;
            }

            // Fewer bytes waiting than before: the program read some.
            int? waitingAfter = BytesWaiting(fifo);
            bool stillWaiting = waitingAfter is { } left ? left > 0 : HasBytes(fifo);
            bool? consumed = waitingBefore is { } before && waitingAfter is { } after ? after < before : null;
            bool failed = exit is not { ExitStatus: 0 };
            if (_backoff.After(Stopwatch.GetElapsedTime(started), failed, stillWaiting, consumed) is { } pause)
            {
                // Never a tight loop of a program that cannot take the FIFO's bytes.
                string outcome = exit switch
                {
                    null => "could not be started",
                    { ExitStatus: 0 } => consumed == false ? "exited with status 0 without reading" : "exited with status 0 at once",
                    { ExitStatus: { } status } => $"exited with status {status}",
                    { } killed => $"was killed by {killed.SignalName}",
                };
                BridgeLog.FifoPaused(context.Logger, bridge.Name, fifo.Display, outcome, _backoff.QuickExits, _backoff.QuickExits == 1 ? "time" : "times", pause);
                await PauseAsync(pause, context.Accepting).ConfigureAwait(false);
            }

            return true;
        }

        public void Dispose()
        {
        }
    }
}
