using Microsoft.Extensions.Logging;
using SocketBridge.Bridges;
using SocketBridge.Logging;
using SocketBridge.Native;
using SocketBridge.Processes;

namespace SocketBridge.Hosting;

/// <summary>
/// How the daemon ends on SIGTERM (SPEC 7): every bridge stops accepting and
/// asks its connections and programs to end; what is still running after
/// ShutdownTimeout is killed, bridge by bridge, and then the process groups
/// that programs left behind. Cancellation ends the wait for those groups early.
/// </summary>
internal sealed partial class ShutdownSequence(ChildReaper reaper, TimeProvider time, ILogger<ShutdownSequence> logger)
{
    /// <summary>How often the lingering process groups are looked at while they are given time.</summary>
    private static readonly TimeSpan LingeringPoll = TimeSpan.FromMilliseconds(50);

    /// <param name="timeout">ShutdownTimeout, from the options in force.</param>
    /// <param name="bridges">
    /// The bridges to stop, running and retiring; asked for once the groups
    /// have been told to end, so a reload under way may finish first.
    /// </param>
    public async Task RunAsync(TimeSpan timeout, Func<Task<IReadOnlyList<Bridge>>> bridges, CancellationToken cancellationToken)
    {
        LogStopping(logger, timeout);
        long started = time.GetTimestamp();

        // Processes that programs left behind in their process groups end with them.
        reaper.SignalLingering(Posix.SIGTERM);
        IReadOnlyList<Bridge> stopping = await bridges().ConfigureAwait(false);
        await Task.WhenAll(stopping.Select(b => b.StopAsync(timeout))).ConfigureAwait(false);
        while (reaper.SignalLingering(0) > 0 && time.GetElapsedTime(started) < timeout)
        {
            try
            {
                await Task.Delay(LingeringPoll, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        int left = reaper.SignalLingering(Posix.SIGKILL);
        if (left > 0)
        {
            LogKilledLingering(logger, left, timeout);
        }

        LogStopped(logger);
    }

    [LoggerMessage(EventId = LogEventIds.Stopping, Level = LogLevel.Information, Message = "stopping: ending connections within {ShutdownTimeout}")]
    private static partial void LogStopping(ILogger logger, TimeSpan shutdownTimeout);

    [LoggerMessage(EventId = LogEventIds.KilledLingering, Level = LogLevel.Warning, Message = "killed {Groups} process group(s) left behind by programs, still running after {ShutdownTimeout}")]
    private static partial void LogKilledLingering(ILogger logger, int groups, TimeSpan shutdownTimeout);

    [LoggerMessage(EventId = LogEventIds.Stopped, Level = LogLevel.Information, Message = "stopped")]
    private static partial void LogStopped(ILogger logger);
}
