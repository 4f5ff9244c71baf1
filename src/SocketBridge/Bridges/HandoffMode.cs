using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Bridges;

/// <summary>
/// upstart-socket-bridge's <c>start on socket</c>, inetd <c>wait</c>,
/// systemd <c>Accept=no</c> (SPEC 5, handoff): when a connection is pending
/// and the program is not running, launch it once with the listening socket
/// as fd 3 and never accept for it. When it exits, watch again: a
/// connection still queued, or a new one, starts it again at once, unless
/// the program ended at once without serving the queue: then after a pause
/// that grows while that goes on (<see cref="RelaunchBackoff"/>). Its
/// stdin is /dev/null; stdout and stderr go to the log (StandardError=journal)
/// or to /dev/null (StandardError=null).
/// </summary>
public sealed class HandoffMode : IBridgeMode
{

    private readonly BridgeOptions _bridge;
    private readonly ExecOptions _exec;
    private readonly ChildReaper _reaper;
    private readonly SafeFileHandle _devNull;
    private readonly List<string> _common;

    public HandoffMode(BridgeOptions bridge, ChildReaper reaper, SafeFileHandle devNull)
    {
        _bridge = bridge;
        _exec = bridge.Exec ?? throw new ArgumentException($"bridge {bridge.Name} has no Exec", nameof(bridge));
        _reaper = reaper;
        _devNull = devNull;
        _common = ServiceProgram.BaseEnvironment(bridge);
        _common.Add("LISTEN_FDS=1");
        _common.Add($"LISTEN_FDNAMES={bridge.Name}");
        _common.Add("UPSTART_EVENTS=socket");
        _common.Add("UPSTART_FDS=3");
        _common.Add($"UPSTART_JOB={bridge.Name}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async Task RunAsync(IListener bridgeListener, BridgeContext context)
    {
        BoundListener listener = bridgeListener as BoundListener ?? throw new ArgumentException($"{bridgeListener.Display} is not a socket", nameof(bridgeListener));
        List<string> environment = [.. _common, $"PROTO={Protocol(listener)}"];
        ChildEnvironment.AddListenerVariables(environment, listener);
        var backoff = new RelaunchBackoff();
        while (await ReadinessWait.WaitAsync(listener.Socket.SafeHandle, context.Accepting).ConfigureAwait(false))
        {
            if (!context.Counters.TryAdmit(1))
            {
                break;
            }

            TimeSpan ran;
            ChildExit? exit;
            ulong[]? queuedBefore = QueuedConnections(listener);
            try
            {
                (ran, exit) = await LaunchAndWaitAsync(listener, environment, context).ConfigureAwait(false);
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
            // was taken: new arrivals while the program ran do not hide that.
            ulong[]? queuedAfter = QueuedConnections(listener);
            bool stillQueued = queuedAfter is { } left ? left.Length > 0 : IsReadable(listener);
            bool? accepted = queuedBefore is { } before && queuedAfter is { } after ? !after.ToHashSet().IsSupersetOf(before) : null;
            bool failed = exit is null || exit.Value.ExitStatus is not 0;
            if (backoff.After(ran, failed, stillQueued, accepted) is { } pause)
            {
                // Never a tight loop of a program that cannot serve the queue.
                BridgeLog.HandoffPaused(context.Logger, _bridge.Name, Outcome(exit, accepted), backoff.QuickExits, backoff.QuickExits == 1 ? "time" : "times", pause);
                await Task.Delay(pause, context.Accepting).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    private static string Outcome(ChildExit? exit, bool? accepted) => exit switch
    {
        null => "could not be started",
        { ExitStatus: 0 } when accepted == false => "exited with status 0 without accepting",
        { ExitStatus: 0 } => "exited with status 0 at once",
        { ExitStatus: { } status } => $"exited with status {status}",
        { } killed => $"was killed by {killed.SignalName}",
    };

    private ulong[]? QueuedConnections(BoundListener listener)
    {
        try
        {
            return Posix.QueuedConnections(listener.Socket.SafeHandle, _bridge.Backlog);
        }
        catch (ObjectDisposedException)
        {
            return null;
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

    private async Task<(TimeSpan Ran, ChildExit? Exit)> LaunchAndWaitAsync(BoundListener listener, List<string> environment, BridgeContext context)
    {
        string id = context.Ids.Next();
        long started = Stopwatch.GetTimestamp();
        ChildProcess child;
        Task forwarding;
        try
        {
            var spec = new SpawnSpec
            {
                Path = _exec.Path,
                Arguments = _exec.Arguments,
                Environment = [.. environment, $"SOCKETBRIDGE_CONNECTION_ID={id}"],
                SetListenPid = true,
                WorkingDirectory = _bridge.WorkingDirectory,
                Credentials = _bridge.Credentials,
            };
            child = ServiceProgram.Launch(_reaper, spec, _bridge, _devNull, listener.Socket.SafeHandle, stdin: null, (pid, line) => BridgeLog.ChildStandardError(context.Logger, _bridge.Name, id, pid, line), out forwarding);
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            BridgeLog.HandoffSpawnFailed(context.Logger, _bridge.Name, id, _exec.Path, ex.Message);
            return (Stopwatch.GetElapsedTime(started), null);
        }

        BridgeLog.HandoffLaunched(context.Logger, _bridge.Name, id, child.Pid, listener.Display);
        ChildExit exit;
        using (context.Stop.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGTERM), child))
        using (context.Kill.Register(static c => ((ChildProcess)c!).Signal(Posix.SIGKILL), child))
        {
            exit = await child.Exited.ConfigureAwait(false);
        }

        await Task.WhenAny(forwarding, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None)).ConfigureAwait(false);
        long duration = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (exit.ExitStatus is { } status)
        {
            BridgeLog.HandoffExited(context.Logger, _bridge.Name, id, child.Pid, status, duration);
        }
        else
        {
            BridgeLog.HandoffKilled(context.Logger, _bridge.Name, id, child.Pid, exit.SignalName, duration);
        }

        return (Stopwatch.GetElapsedTime(started), exit);
    }

    private static string Protocol(BoundListener listener) => listener.LocalEndPoint.AddressFamily switch
    {
        AddressFamily.InterNetwork => "inet",
        AddressFamily.InterNetworkV6 => "inet6",
        _ => "unix",
    };
}
