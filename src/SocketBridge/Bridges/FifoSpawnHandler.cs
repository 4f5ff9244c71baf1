using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// Spawn mode on a <c>fifo:</c> Listen (SPEC 5, FIFO listeners): when the
/// FIFO becomes readable a session begins and the program is launched with
/// the FIFO's read end itself as stdin (the daemon copies nothing), stdout
/// and stderr to the log; the session ends when the program exits, which a
/// reader like cat does at EOF, once every writer has closed. Bytes the
/// program left in the FIFO, or that a writer sent after it, start the next
/// session. Sessions of one FIFO follow each other; while none is due the
/// daemon sleeps in poll(2). A program that ends at once leaving the bytes
/// in the FIFO is started again only after a pause (<see cref="RelaunchBackoff"/>).
/// </summary>
public sealed class FifoSpawnMode : IBridgeMode
{
    /// <summary>How long to wait before looking again when MaxConnections is reached.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StandardErrorGrace = TimeSpan.FromMilliseconds(500);

    private readonly BridgeOptions _bridge;
    private readonly ExecOptions _exec;
    private readonly ChildReaper _reaper;
    private readonly SafeFileHandle _devNull;

    public FifoSpawnMode(BridgeOptions bridge, ChildReaper reaper, SafeFileHandle devNull)
    {
        _bridge = bridge;
        _exec = bridge.Exec ?? throw new ArgumentException($"bridge {bridge.Name} has no Exec", nameof(bridge));
        _reaper = reaper;
        _devNull = devNull;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async Task RunAsync(IListener listener, BridgeContext context)
    {
        FifoListener fifo = listener as FifoListener ?? throw new ArgumentException($"{listener.Display} is not a FIFO", nameof(listener));
        List<string> environment = ServiceProgram.BaseEnvironment(_bridge);
        environment.Add($"FIFO_PATH={fifo.Path}");
        var backoff = new RelaunchBackoff();
        while (await ReadinessWait.WaitAsync(fifo.Reader, context.Accepting).ConfigureAwait(false))
        {
            if (!context.Counters.TryAdmit(_bridge.MaxConnections))
            {
                BridgeLog.FifoRefused(context.Logger, _bridge.Name, fifo.Display, $"MaxConnections ({_bridge.MaxConnections}) reached", Pause);
                await PauseAsync(context.Accepting).ConfigureAwait(false);
                continue;
            }

            long started = Stopwatch.GetTimestamp();
            int? waitingBefore = BytesWaiting(fifo);
            ChildExit? exit;
            bool open;
            try
            {
                fifo.BeginSession();
                exit = await RunSessionAsync(fifo, environment, context).ConfigureAwait(false);
            }
            finally
            {
                open = fifo.EndSession();
                context.Counters.Release();
            }

            if (!open)
            {
                break;
            }

            if (context.Accepting.IsCancellationRequested)
            {
                break;
            }

            // Fewer bytes waiting than before: the program read some.
            int? waitingAfter = BytesWaiting(fifo);
            bool stillWaiting = waitingAfter is { } left ? left > 0 : HasBytes(fifo);
            bool? consumed = waitingBefore is { } before && waitingAfter is { } after ? after < before : null;
            bool failed = exit is not { ExitStatus: 0 };
            if (backoff.After(Stopwatch.GetElapsedTime(started), failed, stillWaiting, consumed) is { } pause)
            {
                // Never a tight loop of a program that cannot take the FIFO's bytes.
                string outcome = exit switch
                {
                    null => "could not be started",
                    { ExitStatus: 0 } => consumed == false ? "exited with status 0 without reading" : "exited with status 0 at once",
                    { ExitStatus: { } status } => $"exited with status {status}",
                    { } killed => $"was killed by {killed.SignalName}",
                };
                BridgeLog.FifoPaused(context.Logger, _bridge.Name, fifo.Display, outcome, backoff.QuickExits, backoff.QuickExits == 1 ? "time" : "times", pause);
                await Task.Delay(pause, context.Accepting).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

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

    /// <summary>One session: the program with the FIFO as stdin, until it exits; null when it could not be launched.</summary>
    private async Task<ChildExit?> RunSessionAsync(FifoListener fifo, List<string> environment, BridgeContext context)
    {
        string id = context.Ids.Next();
        long started = Stopwatch.GetTimestamp();
        ChildProcess child;
        Task output;
        try
        {
            var spec = new SpawnSpec
            {
                Path = _exec.Path,
                Arguments = _exec.Arguments,
                Environment = [.. environment, $"SOCKETBRIDGE_CONNECTION_ID={id}"],
                WorkingDirectory = _bridge.WorkingDirectory,
                Credentials = _bridge.Credentials,
                NewSession = true,
            };
            child = ServiceProgram.Launch(_reaper, spec, _bridge, _devNull, passed: [], stdin: fifo.Reader, stdout: null, (pid, line) => BridgeLog.ChildStandardError(context.Logger, _bridge.Name, id, pid, line), out output);
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            BridgeLog.FifoSpawnFailed(context.Logger, _bridge.Name, id, fifo.Display, _exec.Path, ex.Message);
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null; // Shutdown closed the FIFO first.
        }

        ChildExit exit;
        using (context.Stop.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGTERM), child))
        using (context.Kill.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGKILL), child))
        {
            exit = await child.Exited.ConfigureAwait(false);
        }

        await Task.WhenAny(output, Task.Delay(StandardErrorGrace, CancellationToken.None)).ConfigureAwait(false);
        long duration = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (exit.ExitStatus is { } status)
        {
            BridgeLog.FifoChildExited(context.Logger, _bridge.Name, id, fifo.Display, child.Pid, status, duration);
        }
        else
        {
            BridgeLog.FifoChildKilled(context.Logger, _bridge.Name, id, fifo.Display, child.Pid, exit.SignalName, duration);
        }

        return exit;
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

    private static Task PauseAsync(CancellationToken token) =>
        Task.Delay(Pause, token).ContinueWith(static _ => { }, TaskScheduler.Default);
}
