using System.Diagnostics;
using Serilog.Core;

namespace SocketBridge.Logging;

/// <summary>
/// The daemon's logger and the queued sinks behind it (one thread each, see
/// <see cref="QueuedSink"/>). <see cref="Close"/> gives the sinks a bounded
/// time to write what is queued when the daemon stops; a sink that does not
/// take it is left behind, so stopping never waits on a log consumer.
/// </summary>
internal sealed class LogPipeline : IDisposable
{
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<QueuedSink> _sinks;
    private bool _closed;

    public LogPipeline(Logger logger, IReadOnlyList<QueuedSink> sinks)
    {
        Logger = logger;
        _sinks = sinks;
    }

    /// <summary>Everything the daemon logs goes through this logger.</summary>
    public Logger Logger { get; }

    /// <summary>
    /// Stops the sinks taking entries and waits for each to write what it has
    /// queued, all within <paramref name="timeout"/>, and no longer than
    /// <see cref="QueuedSink.StallLimit"/> for a sink stuck in one write.
    /// True when every queued entry was written.
    /// </summary>
    public bool Close(TimeSpan timeout)
    {
        if (_closed)
        {
            return true;
        }

        _closed = true;
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (QueuedSink sink in _sinks)
        {
            sink.Complete();
        }

        bool written = true;
        foreach (QueuedSink sink in _sinks)
        {
            written &= sink.WaitWritten(deadline);
        }

        // Disposes the sinks again: each is closed already, so this does not wait.
        Logger.Dispose();
        return written;
    }

    /// <summary>Waits, within <paramref name="timeout"/>, until what was logged until now is written; the sinks go on (a re-exec).</summary>
    public bool Flush(TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        bool written = true;
        foreach (QueuedSink sink in _sinks)
        {
            written &= sink.WaitDrained(deadline);
        }

        return written;
    }

    public void Dispose() => Close(DisposeTimeout);
}
