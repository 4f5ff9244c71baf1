using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Forwarding;
using SocketBridge.Handover;
using SocketBridge.Metrics;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// upstart-socket-bridge's <c>start on socket</c>, inetd <c>wait</c>,
/// systemd <c>Accept=no</c> (SPEC 5, handoff): when a connection is pending
/// (or a datagram waits) on one of the bridge's sockets and the program is
/// not running, launch it once with every socket from fd 3 on, in Listen's
/// order, as systemd passes a socket unit's, and never accept or read for
/// it. When it exits, watch again: a connection still queued (a datagram
/// still waiting), or a new one, starts it again at once, unless the
/// program ended at once without serving the queues: then after a pause
/// that grows while that goes on (<see cref="RelaunchBackoff"/>). Its
/// stdin is /dev/null and stdout goes to the log (StandardError=journal) or
/// to /dev/null (StandardError=null), or with StandardInput=socket both are
/// the first socket, as inetd gives a wait service its socket.
/// </summary>
internal sealed class HandoffMode : IBridgeMode
{
    /// <summary>How long a datagram socket reported readable with nothing waiting is left alone.</summary>
    private static readonly TimeSpan NothingWaitingPause = TimeSpan.FromMilliseconds(100);

    private readonly BridgeOptions _bridge;
    private readonly ProgramOptions _program;
    private readonly ProgramLauncher _launcher;
    private readonly RelayEngine _readiness;
    private readonly ChildReaper _reaper;
    private readonly object _runningLock = new();
    private (ProgramRun Run, string Id, long Started)? _running;
    private SessionHandover? _resumed;
    private PauseHandover? _resumedPause;
    private int _quickExits;
    private long _pausedUntil;

    /// <param name="readiness">Where the bridge waits for a pending connection or a datagram: the relay loops' epoll.</param>
    public HandoffMode(BridgeOptions bridge, ProgramOptions program, ChildReaper reaper, SafeFileHandle devNull, RelayEngine readiness, BridgeTally tally)
    {
        _reaper = reaper;
        _bridge = bridge;
        _program = program;
        _launcher = new ProgramLauncher(reaper, devNull, program, setListenPid: true, tally, handoff: true);
        _readiness = readiness;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The program running (and the back-off), for a re-exec to carry over.</summary>
    public BridgeHandover Capture(BridgeHandover into, CarriedDescriptors carried)
    {
        lock (_runningLock)
        {
            int quickExits = Volatile.Read(ref _quickExits);
            into = quickExits == 0 ? into : into with { Pause = new PauseHandover { QuickExits = quickExits, Until = Volatile.Read(ref _pausedUntil) } };
            return _running is not { } running ? into : into with
            {
                Handoff = new SessionHandover { Id = running.Id, StartedAt = running.Started, Program = running.Run.Capture(carried) },
            };
        }
    }

    /// <summary>The program the previous image launched: watched first, before the sockets are watched again.</summary>
    public void Resume(BridgeHandover from, IReadOnlyList<IListener> listeners, BridgeContext context)
    {
        _resumed = from.Handoff;
        _resumedPause = from.Pause;
    }

    public Task RunAsync(IListener listener, BridgeContext context) => RunAsync([listener], context);

    public async Task RunAsync(IReadOnlyList<IListener> bridgeListeners, BridgeContext context)
    {
        BoundListener[] listeners = bridgeListeners
            .Select(l => l as BoundListener ?? throw new ArgumentException($"{l.Display} is not a socket", nameof(bridgeListeners)))
            .ToArray();
        SafeHandle[] sockets = listeners.Select(l => (SafeHandle)l.Socket.SafeHandle).ToArray();

        ChildEnvironment environment = ChildEnvironment.ForHandoff(_bridge.Name, _program.Environment, listeners);
        var backoff = _resumedPause is { } carried ? new RelaunchBackoff(carried.QuickExits) : new RelaunchBackoff();
        Volatile.Write(ref _quickExits, backoff.QuickExits);
        bool datagrams = listeners.Any(l => l.IsDatagram);
        if (_resumedPause is { } paused && Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), paused.Until) is { Ticks: > 0 } left)
        {
            // A pause the previous image had begun goes on to its end.
            Volatile.Write(ref _pausedUntil, paused.Until);
            await Task.Delay(left, context.Accepting).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        _resumedPause = null;
        if (_resumed is { } resumed && _reaper.TakeAdopted(resumed.Program.Pid) is { } adopted)
        {
            _resumed = null;
            context.Counters.Readmit();
            try
            {
                ProgramRun run = ProgramLauncher.Resume(adopted, resumed.Program, (pid, line) => BridgeLog.ChildStandardError(context.Logger, _bridge.Name, resumed.Id, pid, line));
                await WaitAsync(run, resumed.Id, resumed.StartedAt, context).ConfigureAwait(false);
            }
            finally
            {
                context.Counters.Release();
            }
        }

        int ready;
        while ((ready = await _readiness.WaitReadableAsync(sockets, context.Accepting).ConfigureAwait(false)) >= 0)
        {
            if (listeners[ready].IsDatagram && !DatagramWaits(listeners[ready]))
            {
                // Readable with nothing to read: an error the kernel queued (taken
                // now), or a socket a program shut down. No launch for that, and
                // never a tight loop.
                await Task.Delay(NothingWaitingPause, context.Accepting).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                continue;
            }

            if (!context.Counters.TryAdmit(1))
            {
                break;
            }

            TimeSpan ran;
            ChildExit? exit;
            HandoffQueues? queuedBefore = HandoffQueues.Take(listeners, _bridge.Listen.Backlog);
            try
            {
                (ran, exit) = await LaunchAndWaitAsync(listeners, sockets, listeners[ready], environment, context).ConfigureAwait(false);
            }
            finally
            {
                context.Counters.Release();
            }

            if (context.Accepting.IsCancellationRequested)
            {
                break;
            }

            // A connection that waited before the launch and waits no more
            // was taken (a datagram, read): new arrivals while the program ran
            // do not hide that.
            HandoffQueues? queuedAfter = HandoffQueues.Take(listeners, _bridge.Listen.Backlog);
            bool stillQueued = queuedAfter?.Any ?? listeners.Any(IsReadable);
            bool? accepted = queuedBefore is { } before && queuedAfter is { } after ? before.WasServedBy(after) : null;
            bool failed = exit is null || exit.Value.ExitStatus is not 0;
            TimeSpan? pause = backoff.After(ran, failed, stillQueued, accepted);
            Volatile.Write(ref _quickExits, backoff.QuickExits);
            if (pause is { } pauseFor)
            {
                Volatile.Write(ref _pausedUntil, Stopwatch.GetTimestamp() + (long)(pauseFor.TotalSeconds * Stopwatch.Frequency));
                // Never a tight loop of a program that cannot serve the queue.
                BridgeLog.HandoffPaused(context.Logger, _bridge.Name, Outcome(exit, accepted, datagrams), datagrams ? "connections or datagrams still waiting" : "connections still queued",
                    backoff.QuickExits, backoff.QuickExits == 1 ? "time" : "times", pauseFor);
                await Task.Delay(pauseFor, context.Accepting).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    private static string Outcome(ChildExit? exit, bool? accepted, bool datagrams) => exit switch
    {
        null => "could not be started",
        { ExitStatus: 0 } when accepted == false => datagrams ? "exited with status 0 without accepting or reading" : "exited with status 0 without accepting",
        { ExitStatus: 0 } => "exited with status 0 at once",
        { ExitStatus: { } status } => $"exited with status {status}",
        { } killed => $"was killed by {killed.SignalName}",
    };

    /// <summary>
    /// Whether a datagram waits on <paramref name="listener"/> (unknown counts
    /// as yes); when none does, a pending socket error, which also makes
    /// poll(2) report it readable, is taken (SO_ERROR), so it does not again.
    /// </summary>
    private static bool DatagramWaits(BoundListener listener)
    {
        try
        {
            if (Posix.WaitingDatagrams(listener.Socket.SafeHandle) is not { IsEmpty: true })
            {
                return true;
            }

            Posix.TakeSocketError(listener.Socket.SafeHandle);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private static bool IsReadable(BoundListener listener)
    {
        try
        {
            return Posix.WaitReadable(listener.Socket.SafeHandle, TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or NativeCallException)
        {
            return false;
        }
    }

    private async Task<(TimeSpan Ran, ChildExit? Exit)> LaunchAndWaitAsync(BoundListener[] listeners, SafeHandle[] sockets, BoundListener pending, ChildEnvironment environment, BridgeContext context)
    {
        string id = context.Ids.Next();
        long started = Stopwatch.GetTimestamp();
        ProgramRun run;
        // The launch and its record are one step for a re-exec.
        context.Gate.Enter();
        try
        {
            // StandardInput=socket: the first socket on stdin and stdout too, as
            // inetd starts a wait service (in.tftpd reads its datagrams from fd 0).
            SafeHandle? standard = _program.StandardInput == StandardInputMode.Socket ? sockets[0] : null;
            run = _launcher.Start(
                environment.ForSession(id),
                (pid, line) => BridgeLog.ChildStandardError(context.Logger, _bridge.Name, id, pid, line),
                input: standard,
                output: standard,
                passed: sockets);
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            context.Gate.Exit();
            BridgeLog.HandoffSpawnFailed(context.Logger, _bridge.Name, id, _launcher.Exec.Path, ex.Message);
            return (Stopwatch.GetElapsedTime(started), null);
        }
        catch
        {
            // Whatever else ends the launch (a socket closed by a stop) leaves the gate too:
            // a re-exec would otherwise wait for it in vain.
            context.Gate.Exit();
            throw;
        }

        lock (_runningLock)
        {
            _running = (run, id, started);
        }

        context.Gate.Exit();

        BridgeLog.HandoffLaunched(context.Logger, _bridge.Name, id, run.Pid, pending.IsDatagram ? "a datagram is waiting" : "a connection is pending", pending.Display,
            listeners.Length == 1 ? "the listening socket" : string.Create(CultureInfo.InvariantCulture, $"its {listeners.Length} listening sockets"));
        ChildExit exit = await WaitAsync(run, id, started, context).ConfigureAwait(false);
        return (Stopwatch.GetElapsedTime(started), exit);
    }

    /// <summary>Waits for the program to end and logs it; a launched one or one carried over by a re-exec.</summary>
    private async Task<ChildExit> WaitAsync(ProgramRun run, string id, long started, BridgeContext context)
    {
        lock (_runningLock)
        {
            _running = (run, id, started);
        }

        ChildExit exit = await run.WaitAsync(context.Stop, context.Kill).ConfigureAwait(false);
        // Out of a re-exec's reach before its end is logged: logged by this image or the next, never both.
        context.Gate.Enter();
        lock (_runningLock)
        {
            _running = null;
        }

        context.Gate.Exit();

        long duration = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        context.Counters.Tally.CountExit(exit.ExitStatus, exit.Signal);
        BridgeLog.HandoffEnded(context.Logger, _bridge.Name, id, run.Pid, exit, duration);

        return exit;
    }
}
