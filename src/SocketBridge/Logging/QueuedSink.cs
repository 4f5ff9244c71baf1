using System.Diagnostics;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace SocketBridge.Logging;

/// <summary>
/// Hands log events to one sink through a bounded queue and a thread of its
/// own, so that nothing the daemon logs can wait on a log consumer (SPEC 8):
/// <see cref="Emit"/> never blocks. When the queue is full the event is
/// dropped and counted, and before the next entry it gets through, the
/// thread writes one that says how many were dropped (DROPPED_ENTRIES=N).
/// A sink stuck for good (journald not reading, stderr a pipe nobody reads)
/// holds only this thread: <see cref="Close"/> waits for it with a deadline,
/// and it is a background thread, so the process never waits for it to exit.
/// </summary>
internal sealed class QueuedSink : ILogEventSink, IDisposable
{
    /// <summary>
    /// About a second of a spawn bridge's busiest rate (an entry a
    /// connection); the kernel queues more behind it (a datagram socket, a pipe).
    /// </summary>
    public const int DefaultCapacity = 4096;

    /// <summary>
    /// And at most this much memory, as estimated by <see cref="SizeOf"/>: a
    /// program flooding stderr makes entries of up to 4 KiB of text each.
    /// </summary>
    public const long DefaultCapacityBytes = 4 * 1024 * 1024;

    /// <summary>How long <see cref="Close"/> waits for a sink stuck in one write before leaving it behind.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long the thread, having written everything, lets new entries
    /// gather before it sleeps until woken: a busy daemon wakes it a few
    /// hundred times a second, not once per entry (per connection).
    /// </summary>
    private static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(2);

    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(2);
    private static readonly MessageTemplate DroppedTemplate =
        new MessageTemplateParser().Parse("{DroppedEntries} log entries were dropped: the {LogSink} did not keep up");

    private readonly ILogEventSink _sink;
    private readonly LogSinkCounters _counters;
    private readonly int _capacity;
    private readonly long _capacityBytes;
    private readonly Queue<Pending> _queue;
    private long _queuedBytes; // under lock (_queue)
    private readonly Thread _thread;
    private readonly LogEventProperty _sinkProperty;
    private readonly LogEventProperty _eventId;
    private bool _closed; // under lock (_queue)
    private bool _sleeping; // under lock (_queue): the thread waits without a deadline, so an entry must wake it
    private int _sinkDisposed;
    private long _reported; // the worker's: drops already written about
    private long _writingSince; // Stopwatch timestamp of the write in progress; 0 between writes
    private int _tid; // the worker's kernel thread id, once it runs
    private long _enqueued; // under lock (_queue): entries ever queued
    private long _handled; // the worker's: entries ever taken and written (or failed)

    /// <param name="sink">Written to from the queue's thread only.</param>
    public QueuedSink(ILogEventSink sink, LogSinkCounters counters, int capacity = DefaultCapacity, long capacityBytes = DefaultCapacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _sink = sink;
        _counters = counters;
        _capacity = capacity;
        _capacityBytes = capacityBytes;
        _queue = new Queue<Pending>(Math.Min(capacity, 256));
        _sinkProperty = new LogEventProperty("LogSink", new ScalarValue(counters.Sink));
        // As Serilog.Extensions.Logging gives an ILogger entry's EventId.
        _eventId = new LogEventProperty("EventId", new StructureValue([new LogEventProperty("Id", new ScalarValue(LogEventIds.EntriesDropped))]));
        // Named so that /proc/PID/task/*/comm shows which log is stuck.
        _thread = new Thread(Run) { IsBackground = true, Name = $"sb-log-{counters.Sink}" };
        _thread.UnsafeStart();
    }

    /// <summary>Queues <paramref name="logEvent"/>, or drops and counts it when the queue is full; never waits for the sink.</summary>
    public void Emit(LogEvent logEvent)
    {
        // Read first: what was dropped before this entry is written about before it.
        long droppedBefore = _counters.Dropped;
        long size = SizeOf(logEvent);
        lock (_queue)
        {
            if (_closed)
            {
                return;
            }

            // An entry larger than the whole budget still goes into an empty queue.
            if (_queue.Count < _capacity && (_queuedBytes + size <= _capacityBytes || _queue.Count == 0))
            {
                _queue.Enqueue(new Pending(logEvent, droppedBefore, size));
                _queuedBytes += size;
                _enqueued++;
                if (_sleeping)
                {
                    _sleeping = false;
                    Monitor.Pulse(_queue);
                }

                return;
            }
        }

        _counters.CountDropped();
    }

    /// <summary>
    /// Stops taking entries and waits for the queued ones to be written, at
    /// most <paramref name="timeout"/>, and less when one write of the sink
    /// does not return for <see cref="StallLimit"/>. False when entries were left unwritten.
    /// </summary>
    public bool Close(TimeSpan timeout)
    {
        Complete();
        return WaitWritten(Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency));
    }

    /// <summary>Stops taking entries; the thread ends once it has written those queued.</summary>
    public void Complete()
    {
        lock (_queue)
        {
            _closed = true;
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>Waits until the thread has written everything, the Stopwatch timestamp <paramref name="deadline"/>, or a stall.</summary>
    public bool WaitWritten(long deadline)
    {
        var progress = new WriteProgress(Stopwatch.GetTimestamp());
        while (!_thread.Join(TimeSpan.FromMilliseconds(20)))
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= deadline || Stalled(now, ref progress))
            {
                return false;
            }
        }

        // Only once the thread is done with it: a stuck sink is left as it is.
        if (Interlocked.Exchange(ref _sinkDisposed, 1) == 0)
        {
            (_sink as IDisposable)?.Dispose();
        }

        return true;
    }

    public void Dispose()
    {
        bool wasClosed;
        lock (_queue)
        {
            wasClosed = _closed;
        }

        if (!wasClosed)
        {
            Close(DisposeTimeout);
        }
    }

    private void Run()
    {
        Volatile.Write(ref _tid, Native.Posix.CurrentThreadId);
        while (Take(out Pending pending, out bool idle))
        {
            long dropped = idle ? _counters.Dropped : pending.DroppedBefore;
            if (dropped > _reported)
            {
                Write(DroppedNotice(dropped - _reported), notice: true);
                _reported = dropped;
            }

            if (!idle)
            {
                Write(pending.Event, notice: false);
                Interlocked.Increment(ref _handled);
            }
        }
    }

    /// <summary>
    /// Waits, without closing, until everything queued before this call is
    /// written (a re-exec, which ends the thread with the image), at most
    /// until <paramref name="deadline"/> (a Stopwatch timestamp), less when
    /// one write of the sink does not return for <see cref="StallLimit"/>.
    /// </summary>
    public bool WaitDrained(long deadline)
    {
        long target;
        lock (_queue)
        {
            target = _enqueued;
        }

        var progress = new WriteProgress(Stopwatch.GetTimestamp());
        while (Interlocked.Read(ref _handled) < target)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= deadline || Stalled(now, ref progress))
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    /// <summary>
    /// The next queued entry; or, with <paramref name="idle"/>, none, when the
    /// queue is empty but drops are not written about yet (the last entries
    /// of a burst were the ones dropped). False once closed and empty.
    /// </summary>
    private bool Take(out Pending pending, out bool idle)
    {
        lock (_queue)
        {
            bool gathered = false;
            while (_queue.Count == 0)
            {
                if (_counters.Dropped > _reported)
                {
                    pending = default;
                    idle = true;
                    return true;
                }

                if (_closed)
                {
                    pending = default;
                    idle = false;
                    return false;
                }

                if (!gathered)
                {
                    Monitor.Wait(_queue, GatherTime);
                    gathered = true;
                    continue;
                }

                _sleeping = true;
                Monitor.Wait(_queue);
                _sleeping = false;
            }

            pending = _queue.Dequeue();
            _queuedBytes -= pending.Size;
            idle = false;
            return true;
        }
    }

    /// <summary>
    /// Whether the sink is stuck: one write is going on and for
    /// <see cref="StallLimit"/> (counted from the start of the wait at the
    /// earliest) the thread was never seen running or waiting for a CPU and
    /// used no CPU time: it sleeps in the write (a full pipe, a socket
    /// journald does not read). A thread that works or waits for a CPU in its
    /// write (the first one compiles the formatter in the framework-dependent
    /// build) is not stuck, only slow, even when one look finds it stopped a
    /// moment for the garbage collector: on a loaded machine that can take
    /// longer than the stall limit, and giving up then would lose the last
    /// entries, such as the one line that says why the daemon could not start.
    /// </summary>
    private bool Stalled(long now, ref WriteProgress progress)
    {
        long since = Volatile.Read(ref _writingSince);
        if (since == 0 || since != progress.WritingSince)
        {
            // Between writes, or a new one began: the thread moves on.
            progress = progress with { WritingSince = since, SeenMoving = Math.Max(now, progress.SeenMoving) };
            return false;
        }

        Native.ThreadActivity activity = Native.Posix.ReadThreadActivity(Volatile.Read(ref _tid));
        if (activity.Runnable || activity.CpuTicks != progress.CpuTicks)
        {
            progress = progress with { CpuTicks = activity.CpuTicks, SeenMoving = now };
            return false;
        }

        return now - progress.SeenMoving >= (long)(StallLimit.TotalSeconds * Stopwatch.Frequency);
    }

    private void Write(LogEvent logEvent, bool notice)
    {
        Volatile.Write(ref _writingSince, Stopwatch.GetTimestamp());
        try
        {
            _sink.Emit(logEvent);
            if (!notice)
            {
                _counters.CountWritten();
            }
        }
        catch (Exception) when (!notice)
        {
            // The sink failed (stderr closed...): the entry is lost, and counted as such.
            _counters.CountDropped();
        }
        catch (Exception)
        {
            // The notice itself could not be written: the count stays in socketbridge status.
        }

        Volatile.Write(ref _writingSince, 0);
    }

    private LogEvent DroppedNotice(long count) => new(
        DateTimeOffset.Now,
        LogEventLevel.Warning,
        exception: null,
        DroppedTemplate,
        [new LogEventProperty("DroppedEntries", new ScalarValue(count)), _sinkProperty, _eventId]);

    /// <summary>
    /// Roughly what an entry holds on to: the event with its property
    /// dictionary, and its strings (the template is shared between entries).
    /// </summary>
    internal static long SizeOf(LogEvent logEvent)
    {
        long size = 512;
        foreach (KeyValuePair<string, LogEventPropertyValue> property in logEvent.Properties)
        {
            if (property.Value is ScalarValue { Value: string text })
            {
                size += 24 + (2L * text.Length);
            }
        }

        return logEvent.Exception is null ? size : size + 4096;
    }

    /// <summary>
    /// What one wait has seen of the thread: the write it was in (its start,
    /// a Stopwatch timestamp), its CPU time, and when it last moved.
    /// </summary>
    private readonly record struct WriteProgress(long SeenMoving, long WritingSince = -1, long CpuTicks = -1);

    private readonly record struct Pending(LogEvent Event, long DroppedBefore, long Size);
}
