using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Handover;
using SocketBridge.Native;
using SocketBridge.Processes;
using SocketBridge.Logging;
using SocketBridge.Metrics;

namespace SocketBridge.Forwarding;

/// <summary>
/// A forward bridge's backend started on demand (SPEC 5, forward with Exec):
/// the first connection starts it and waits, up to ConnectTimeout, until
/// Target accepts; after ExitIdleTime with no connection it is stopped; the
/// next connection starts it again. A backend that keeps failing is started
/// at most once a second, with the pause doubling up to half a minute while
/// it keeps dying young, so it never runs in a tight loop.
/// </summary>
internal sealed partial class OnDemandBackend : IAsyncDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MinimumRestartPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaximumRestartPause = TimeSpan.FromSeconds(30);

    private readonly BridgeOptions _bridge;
    private readonly ForwardOptions _forward;
    private readonly ProgramOptions _program;
    private readonly ProgramLauncher _launcher;
    private readonly RelayEngine _engine;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly ChildEnvironment _environment;
    private readonly ChildReaper _reaper;
    private readonly HandoverGate _handover;
    private readonly BridgeTally _tally;
    private ChildProcess? _child;
    private ProgramRun? _run;
    private long _startedAt;
    private long _nextStartAllowed;
    private TimeSpan _restartPause = MinimumRestartPause;
    private int _connections;
    private ITimer? _idleTimer;
    private bool _idleStopRequested;
    private bool _disposed;

    public OnDemandBackend(BridgeOptions bridge, ForwardOptions forward, ProgramOptions program, ChildReaper reaper, SafeFileHandle devNull, RelayEngine engine, ILogger logger, TimeProvider time, HandoverGate handover, BridgeTally tally)
    {
        _tally = tally;
        _reaper = reaper;
        _handover = handover;
        _engine = engine;
        _bridge = bridge;
        _forward = forward;
        _program = program;
        _launcher = new ProgramLauncher(reaper, devNull, program, setListenPid: false, tally);
        _logger = logger;
        _time = time;
        _environment = ChildEnvironment.ForBackend(bridge.Name, program.Environment);
    }

    /// <summary>
    /// Connects to Target, starting the backend first if it is not running.
    /// Every successful call is paired with <see cref="Release"/>.
    /// </summary>
    public async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _connections++;
            _idleTimer?.Dispose();
            _idleTimer = null;
        }

        try
        {
            long deadline = _time.GetTimestamp() + (long)(_forward.ConnectTimeout.TotalSeconds * _time.TimestampFrequency);
            string? lastError = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                EnsureRunning();
                try
                {
                    return await TargetConnector.ConnectAsync(_forward.Target, _forward.TargetAddresses, _forward.ConnectTimeout, _engine, cancellationToken).ConfigureAwait(false);
                }
                catch (TargetUnreachableException ex)
                {
                    lastError = ex.Message;
                }

                if (_time.GetTimestamp() >= deadline)
                {
                    throw new TargetUnreachableException($"{lastError}; the backend {_launcher.Exec.Path} did not accept within {_forward.ConnectTimeout}");
                }

                await Task.Delay(RetryInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>Counts a connection carried over by a re-exec (paired with <see cref="Release"/>, as a connect is).</summary>
    public void Adopt()
    {
        lock (_gate)
        {
            _connections++;
            _idleTimer?.Dispose();
            _idleTimer = null;
        }
    }

    /// <summary>The running backend, for a re-exec to carry over (null when none runs).</summary>
    public SessionHandover? Capture(CarriedDescriptors carried)
    {
        lock (_gate)
        {
            return _child is null || _run is null ? null : new SessionHandover { Id = "backend", StartedAt = _startedAt, Program = _run.Capture(carried) };
        }
    }

    /// <summary>The restart back-off, for a re-exec to carry over (null when it has not grown).</summary>
    public PauseHandover? CapturePause()
    {
        lock (_gate)
        {
            return _restartPause == MinimumRestartPause && _nextStartAllowed == 0 ? null : new PauseHandover { Length = _restartPause, Until = _nextStartAllowed };
        }
    }

    /// <summary>Where the previous image's restart back-off stood.</summary>
    public void ResumePause(PauseHandover pause)
    {
        lock (_gate)
        {
            _restartPause = pause.Length < MinimumRestartPause ? MinimumRestartPause : pause.Length > MaximumRestartPause ? MaximumRestartPause : pause.Length;
            _nextStartAllowed = pause.Until;
        }
    }

    /// <summary>
    /// Watches on the backend the previous image started (a re-exec); with
    /// no connection carried over, ExitIdleTime starts counting now.
    /// </summary>
    public void Resume(SessionHandover running)
    {
        ChildProcess? child = _reaper.TakeAdopted(running.Program.Pid);
        if (child is null)
        {
            return;
        }

        lock (_gate)
        {
            _run = ProgramLauncher.Resume(child, running.Program, (pid, line) => LogOutput(_logger, _bridge.Name, pid, line));
            _child = child;
            _startedAt = _time.GetTimestamp();
            _ = WatchAsync(_run);
            _connections++;
        }

        Release();
    }

    /// <summary>A connection ended; the last one arms ExitIdleTime.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (--_connections == 0 && _forward.ExitIdleTime is { } idle && _child is not null && !_disposed)
            {
                _idleTimer = _time.CreateTimer(static state => ((OnDemandBackend)state!).StopIfIdle(), this, idle, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        ChildProcess? child;
        lock (_gate)
        {
            _disposed = true;
            _idleTimer?.Dispose();
            child = _child;
        }

        if (child is not null && child.Signal(Posix.SIGTERM))
        {
            if (await Task.WhenAny(child.Exited, Task.Delay(TimeSpan.FromSeconds(5), _time)).ConfigureAwait(false) != child.Exited)
            {
                child.Signal(Posix.SIGKILL);
            }
        }
    }

    private void EnsureRunning()
    {
        // A launch and its record are one step for a re-exec (entered before
        // the lock, which the re-exec's capture takes).
        _handover.Enter();
        try
        {
            EnsureRunningInside();
        }
        finally
        {
            _handover.Exit();
        }
    }

    private void EnsureRunningInside()
    {
        lock (_gate)
        {
            if (_child is not null || _disposed)
            {
                return;
            }

            long now = _time.GetTimestamp();
            if (now < _nextStartAllowed)
            {
                return; // Crashed young: wait for the pause; connections keep trying until ConnectTimeout.
            }

            _child = Start();
            _startedAt = now;
            _nextStartAllowed = now + (long)(_restartPause.TotalSeconds * _time.TimestampFrequency);
            _ = WatchAsync(_run!);
        }
    }

    private ChildProcess Start()
    {
        try
        {
            // Its own lifetime: stopped when idle or with the bridge (DisposeAsync), not with a connection.
            _run = _launcher.Start(_environment.Fixed, (pid, line) => LogOutput(_logger, _bridge.Name, pid, line));
            ChildProcess child = _run.Child;
            LogStarted(_logger, _bridge.Name, child.Pid, _launcher.Exec.ToString(), _forward.Target.ToString()!);
            return child;
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            LogStartFailed(_logger, _bridge.Name, _launcher.Exec.Path, ex.Message);
            throw new TargetUnreachableException($"{_forward.Target}: cannot start the backend: {ex.Message}");
        }
    }

    private async Task WatchAsync(ProgramRun run)
    {
        ChildProcess child = run.Child;
        ChildExit exit = await run.ExitedAsync().ConfigureAwait(false);
        ResourceUsage used = exit.Usage;
        _tally.CountExit(exit.ExitStatus, exit.Signal);
        lock (_gate)
        {
            TimeSpan lived = _time.GetElapsedTime(_startedAt);
            bool stoppedByUs = _idleStopRequested || _disposed;
            _idleStopRequested = false;
            _child = null;
            _run = null;
            if (!stoppedByUs && lived < MaximumRestartPause)
            {
                // Died young on its own: pause longer before the next start.
                _restartPause = TimeSpan.FromTicks(Math.Min(_restartPause.Ticks * 2, MaximumRestartPause.Ticks));
            }
            else
            {
                _restartPause = MinimumRestartPause;
                _nextStartAllowed = 0;
            }

            long duration = (long)lived.TotalMilliseconds;
            if (exit.RuntimeMaxSignal != 0)
            {
                LogEndedAtRuntimeMax(_logger, _bridge.Name, child.Pid, exit.RuntimeMaxSignalName, exit.ToString(), duration, used.UserMicroseconds, used.SystemMicroseconds, used.MaxResidentKib);
            }
            else if (stoppedByUs)
            {
                LogStopped(_logger, _bridge.Name, child.Pid, exit.ToString(), duration, used.UserMicroseconds, used.SystemMicroseconds, used.MaxResidentKib);
            }
            else
            {
                LogExited(_logger, _bridge.Name, child.Pid, exit.ToString(), duration, used.UserMicroseconds, used.SystemMicroseconds, used.MaxResidentKib);
            }
        }
    }

    private void StopIfIdle()
    {
        lock (_gate)
        {
            if (_connections > 0 || _child is null || _disposed)
            {
                return;
            }

            _idleStopRequested = true;
            LogStoppingIdle(_logger, _bridge.Name, _child.Pid, _forward.ExitIdleTime!.Value);
            _child.Signal(Posix.SIGTERM);
        }
    }

    [LoggerMessage(EventId = LogEventIds.BackendStarted, Level = LogLevel.Information, Message = "{Bridge}: started backend {ChildPid} ({Exec}) for {Target}")]
    private static partial void LogStarted(ILogger logger, string bridge, int childPid, string exec, string target);

    [LoggerMessage(EventId = LogEventIds.BackendStartFailed, Level = LogLevel.Error, Message = "{Bridge}: cannot start backend {Exec}: {Error}")]
    private static partial void LogStartFailed(ILogger logger, string bridge, string exec, string error);

    [LoggerMessage(EventId = LogEventIds.BackendStoppingIdle, Level = LogLevel.Information, Message = "{Bridge}: no connection for {ExitIdleTime}; stopping backend {ChildPid}")]
    private static partial void LogStoppingIdle(ILogger logger, string bridge, int childPid, TimeSpan exitIdleTime);

    [LoggerMessage(EventId = LogEventIds.BackendStopped, Level = LogLevel.Information, Message = "{Bridge}: backend {ChildPid} stopped ({Outcome}) after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB")]
    private static partial void LogStopped(ILogger logger, string bridge, int childPid, string outcome, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.BackendExited, Level = LogLevel.Warning, Message = "{Bridge}: backend {ChildPid} exited on its own ({Outcome}) after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB; the next connection starts it again")]
    private static partial void LogExited(ILogger logger, string bridge, int childPid, string outcome, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.BackendEndedAtRuntimeMax, Level = LogLevel.Warning, Message = "{Bridge}: backend {ChildPid} reached RuntimeMax and was sent {RuntimeMaxSignal} ({Outcome}) after {DurationMs} ms; CPU {CpuUserUsec} µs user, {CpuSystemUsec} µs system; max RSS {MaxRssKib} KiB; the next connection starts it again")]
    private static partial void LogEndedAtRuntimeMax(ILogger logger, string bridge, int childPid, string runtimeMaxSignal, string outcome, long durationMs, long cpuUserUsec, long cpuSystemUsec, long maxRssKib);

    [LoggerMessage(EventId = LogEventIds.BackendStandardError, Level = LogLevel.Information, Message = "{Bridge} backend {ChildPid}: {Line}")]
    private static partial void LogOutput(ILogger logger, string bridge, int childPid, string line);
}
