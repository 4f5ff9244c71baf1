using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
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
/// on one of the bridge's sockets and the program is not running, launch it
/// once with every socket from fd 3 on, in Listen's order, as systemd passes
/// a socket unit's, and never accept for it. When it exits, watch again: a
/// connection still queued, or a new one, starts it again at once, unless
/// the program ended at once without serving the queues: then after a pause
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
        _common.Add("UPSTART_EVENTS=socket");
        _common.Add("UPSTART_FDS=3");
        _common.Add($"UPSTART_JOB={bridge.Name}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task RunAsync(IListener listener, BridgeContext context) => RunAsync([listener], context);

    public async Task RunAsync(IReadOnlyList<IListener> bridgeListeners, BridgeContext context)
    {
        BoundListener[] listeners = bridgeListeners
            .Select(l => l as BoundListener ?? throw new ArgumentException($"{l.Display} is not a socket", nameof(bridgeListeners)))
            .ToArray();
        SafeHandle[] sockets = listeners.Select(l => (SafeHandle)l.Socket.SafeHandle).ToArray();

        // LISTEN_FDNAMES: one name a descriptor, the bridge's, as systemd names
        // every descriptor of a socket unit after the unit. PROTO and the
        // address variables describe the first socket, where UPSTART_FDS points.
        List<string> environment =
        [
            .. _common,
            string.Create(CultureInfo.InvariantCulture, $"LISTEN_FDS={listeners.Length}"),
            $"LISTEN_FDNAMES={string.Join(':', Enumerable.Repeat(_bridge.Name, listeners.Length))}",
            $"PROTO={Protocol(listeners[0])}",
        ];
        ChildEnvironment.AddListenerVariables(environment, listeners[0]);
        var backoff = new RelaunchBackoff();
        int ready;
        while ((ready = await ReadinessWait.WaitAnyAsync(sockets, context.Accepting).ConfigureAwait(false)) >= 0)
        {
            if (!context.Counters.TryAdmit(1))
            {
                break;
            }

            TimeSpan ran;
            ChildExit? exit;
            ulong[][]? queuedBefore = QueuedConnections(listeners);
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
            // was taken: new arrivals while the program ran do not hide that.
            ulong[][]? queuedAfter = QueuedConnections(listeners);
            bool stillQueued = queuedAfter is { } left ? left.Any(q => q.Length > 0) : listeners.Any(IsReadable);
            bool? accepted = queuedBefore is { } before && queuedAfter is { } after ? Accepted(before, after) : null;
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

    /// <summary>
    /// The connections queued on each socket, by an id that stays the same
    /// while it waits; null when the kernel cannot say for one of them.
    /// </summary>
    private ulong[][]? QueuedConnections(BoundListener[] listeners)
    {
        var queued = new ulong[listeners.Length][];
        for (int i = 0; i < listeners.Length; i++)
        {
            try
            {
                if (Posix.QueuedConnections(listeners[i].Socket.SafeHandle, _bridge.Backlog) is not { } ids)
                {
                    return null;
                }

                queued[i] = ids;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
        }

        return queued;
    }

    /// <summary>Whether a connection queued on some socket before the launch is no longer there.</summary>
    private static bool Accepted(ulong[][] before, ulong[][] after)
    {
        for (int i = 0; i < before.Length; i++)
        {
            if (!after[i].ToHashSet().IsSupersetOf(before[i]))
            {
                return true;
            }
        }

        return false;
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

    private async Task<(TimeSpan Ran, ChildExit? Exit)> LaunchAndWaitAsync(BoundListener[] listeners, SafeHandle[] sockets, BoundListener pending, List<string> environment, BridgeContext context)
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
            child = ServiceProgram.Launch(_reaper, spec, _bridge, _devNull, sockets, stdin: null, (pid, line) => BridgeLog.ChildStandardError(context.Logger, _bridge.Name, id, pid, line), out forwarding);
        }
        catch (Exception ex) when (ex is SpawnException or NativeCallException)
        {
            BridgeLog.HandoffSpawnFailed(context.Logger, _bridge.Name, id, _exec.Path, ex.Message);
            return (Stopwatch.GetElapsedTime(started), null);
        }

        BridgeLog.HandoffLaunched(context.Logger, _bridge.Name, id, child.Pid, pending.Display,
            listeners.Length == 1 ? "the listening socket" : string.Create(CultureInfo.InvariantCulture, $"its {listeners.Length} listening sockets"));
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
