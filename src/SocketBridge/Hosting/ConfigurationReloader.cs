using Microsoft.Extensions.Logging;
using Serilog.Core;
using SocketBridge.Configuration;
using SocketBridge.Control;
using SocketBridge.Logging;
using SocketBridge.Metrics;
using SocketBridge.Systemd;

namespace SocketBridge.Hosting;

/// <summary>
/// SIGHUP and <c>socketbridge reload</c> (SPEC 7): loads the configuration
/// files again and applies them, or, when they are invalid, logs every
/// problem as one error entry and keeps the running configuration. Tells
/// the service manager RELOADING=1 first and READY=1 after, either way.
/// Reloads run one at a time. Loading reads files, looks users and groups
/// up (NSS) and resolves host names: all of it may block, so it runs on a
/// thread of its own, never on a socket event loop, and within a deadline.
/// </summary>
internal sealed partial class ConfigurationReloader(
    Func<SocketBridgeOptions> load,
    BridgeSupervisor supervisor,
    StatusPublisher status,
    ServiceNotifier notifier,
    LoggingLevelSwitch level,
    DaemonTally daemonTally,
    ILogger<ConfigurationReloader> logger) : IReloader, IDisposable
{
    /// <summary>
    /// How long loading may take before the reload is refused: beyond the
    /// resolver's worst case (5 s per try, 2 tries, 3 name servers).
    /// </summary>
    public static readonly TimeSpan LoadDeadline = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>A load that outlived its deadline and has not ended yet; no other starts meanwhile.</summary>
    private Task? _overdue;

    /// <summary>1 while a reload asked for by a signal waits for its turn: more signals meanwhile add nothing.</summary>
    private int _signalWaiting;

    /// <summary>Reloads now (after a reload under way); the outcome, for <c>socketbridge reload</c>.</summary>
    public async Task<ReloadResult> ReloadAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReloadOneAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// SIGHUP: as <see cref="ReloadAsync"/>, but signals that arrive while one
    /// is already waiting for its turn are folded into it (it reads the files
    /// after them anyway), so a burst of signals is not a queue of reloads.
    /// </summary>
    public async Task ReloadOnSignalAsync()
    {
        if (Interlocked.Exchange(ref _signalWaiting, 1) == 1)
        {
            return;
        }

        await _oneAtATime.WaitAsync().ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _signalWaiting, 0);
            await ReloadOneAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<ReloadResult> ReloadOneAsync(CancellationToken cancellationToken)
    {
        notifier.Reloading();
        SocketBridgeOptions before = supervisor.Options;
        ReloadResult result;
        try
        {
            (SocketBridgeOptions? next, string? refusal) = await LoadAsync(cancellationToken).ConfigureAwait(false);
            result = next is null
                ? ReloadResult.Refused([refusal!])
                : await ApplyAsync(next, before, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigurationException ex)
        {
            result = ReloadResult.Refused(ex.Errors.Select(e => e.ToString()).ToArray());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever else went wrong, the running configuration stays and the
            // service manager still hears READY=1 after RELOADING=1.
            result = ReloadResult.Refused([$"loading the configuration failed: {ex.Message}"]);
        }

        daemonTally.CountReload(result.Reloaded);
        if (!result.Reloaded)
        {
            LogRefused(logger, result.Errors.Count, string.Join("\n", result.Errors));
        }

        notifier.Ready(status.Summary());
        return result;
    }

    /// <summary>The new configuration, or why there is none (loading overran <see cref="LoadDeadline"/>).</summary>
    private async Task<(SocketBridgeOptions? Next, string? Refusal)> LoadAsync(CancellationToken cancellationToken)
    {
        if (_overdue is { IsCompleted: false })
        {
            // One stuck load is enough: threads must not pile up behind a lookup that never answers.
            return (null, "an earlier load of the configuration is still running, past its deadline (a host name or user lookup that does not answer?); try again once it has ended");
        }

        Task<SocketBridgeOptions> loading = Task.Run(load, CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task first = await Task.WhenAny(loading, Task.Delay(LoadDeadline, deadline.Token)).ConfigureAwait(false);
        if (first == loading)
        {
            await deadline.CancelAsync().ConfigureAwait(false);
            return (await loading.ConfigureAwait(false), null);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _overdue = loading.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return (null, $"loading the configuration took longer than {LoadDeadline.TotalSeconds:0} s (a host name or user lookup that does not answer?); it was abandoned and nothing changed");
    }

    private async Task<ReloadResult> ApplyAsync(SocketBridgeOptions next, SocketBridgeOptions before, CancellationToken cancellationToken)
    {
        ReloadResult result = await supervisor.ApplyAsync(next, cancellationToken).ConfigureAwait(false);
        if (result.Reloaded)
        {
            level.MinimumLevel = LoggingSetup.ToSerilog(next.Daemon.LogLevel);
            if (next.Daemon.ControlSocket != before.Daemon.ControlSocket)
            {
                LogControlSocketKept(logger, before.Daemon.ControlSocket, next.Daemon.ControlSocket);
            }

            string was = before.Daemon.Metrics?.Endpoint.ToString() ?? "off";
            string now = next.Daemon.Metrics?.Endpoint.ToString() ?? "off";
            if (was != now)
            {
                LogMetricsKept(logger, was, now);
            }
        }

        return result;
    }

    public void Dispose() => _oneAtATime.Dispose();

    [LoggerMessage(EventId = LogEventIds.ReloadRefused, Level = LogLevel.Error, Message = "reload refused, the running configuration stays in force; {ProblemCount} problem(s):\n{Problems}")]
    private static partial void LogRefused(ILogger logger, int problemCount, string problems);

    [LoggerMessage(EventId = LogEventIds.ControlSocketKept, Level = LogLevel.Warning, Message = "reload: ControlSocket changed from {Old} to {New}; it moves at the next restart")]
    private static partial void LogControlSocketKept(ILogger logger, string old, string @new);

    [LoggerMessage(EventId = LogEventIds.MetricsKept, Level = LogLevel.Warning, Message = "reload: Metrics changed from {Old} to {New}; the metrics endpoint changes at the next restart or re-exec (socketbridge reexec)")]
    private static partial void LogMetricsKept(ILogger logger, string old, string @new);
}
