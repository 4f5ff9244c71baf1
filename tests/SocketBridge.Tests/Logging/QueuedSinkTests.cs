using System.Diagnostics;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;
using SocketBridge.Logging;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Logging;

/// <summary>
/// The queue in front of each log sink, on its own: emitting never waits
/// for a stuck sink, what does not fit is counted, the count is written
/// before the next entry that gets through, and closing gives up on a sink
/// that writes nothing.
/// </summary>
[Trait("Category", "Unit")]
public sealed class QueuedSinkTests
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse("entry {Number}");

    [Fact]
    public async Task Emitting_never_waits_for_a_stuck_sink_and_the_entries_that_do_not_fit_are_counted_then_reported_before_the_next_one()
    {
        using var sink = new GatedSink();
        var counters = new LogSinkCounters("test");
        using var queued = new QueuedSink(sink, counters, capacity: 8);

        queued.Emit(Entry(0));
        await Wait.UntilAsync(() => sink.Waiting, "the sink to be stuck writing entry 0");
        var clock = Stopwatch.StartNew();
        for (int i = 1; i <= 1000; i++)
        {
            queued.Emit(Entry(i));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"1,000 entries took {clock.Elapsed.TotalMilliseconds:0} ms to emit");
        // Entry 0 is being written, 1 to 8 wait in the queue, the rest did not fit.
        Assert.Equal(992, counters.Dropped);

        sink.Open();
        await Wait.UntilAsync(() => sink.Received.Count == 10, "the queued entries and the notice");
        queued.Emit(Entry(1001));
        await Wait.UntilAsync(() => sink.Received.Count == 11, "the entry after the notice");

        List<LogEvent> received = sink.Received;
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8], received.Take(9).Select(Number));
        LogEvent notice = received[9];
        Assert.Equal(LogEventLevel.Warning, notice.Level);
        Assert.Equal("992 log entries were dropped: the test did not keep up", Text(notice));
        Assert.Equal(992L, ((ScalarValue)notice.Properties["DroppedEntries"]).Value);
        Assert.Equal(1001, Number(received[10]));
        Assert.Equal(10, counters.Written);
    }

    [Fact]
    public async Task Drops_in_the_middle_of_a_burst_are_reported_where_the_gap_is()
    {
        using var sink = new GatedSink();
        var counters = new LogSinkCounters("test");
        using var queued = new QueuedSink(sink, counters, capacity: 2);

        queued.Emit(Entry(0));
        await Wait.UntilAsync(() => sink.Waiting, "the sink to be stuck");
        queued.Emit(Entry(1));
        queued.Emit(Entry(2));
        queued.Emit(Entry(3)); // dropped
        queued.Emit(Entry(4)); // dropped
        sink.Open();
        await Wait.UntilAsync(() => sink.Received.Count == 4, "entries 0 to 2 and the notice");
        queued.Emit(Entry(5));
        await Wait.UntilAsync(() => sink.Received.Count == 5, "entry 5");

        string[] written = sink.Received.Select(Text).ToArray();
        Assert.Equal(["entry 0", "entry 1", "entry 2", "2 log entries were dropped: the test did not keep up", "entry 5"], written);
    }

    [Fact]
    public void An_entry_of_a_huge_line_counts_for_its_size_so_a_queue_of_them_stays_small()
    {
        using var sink = new GatedSink();
        var counters = new LogSinkCounters("test");
        using var queued = new QueuedSink(sink, counters, capacity: 1000, capacityBytes: 64 * 1024);
        string line = new('x', 4096);

        for (int i = 0; i < 100; i++)
        {
            queued.Emit(new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, Template, [new LogEventProperty("Line", new ScalarValue(line))]));
        }

        // About 8 KiB each: fewer than ten fit in 64 KiB, whatever the entry count allows.
        Assert.InRange(counters.Dropped, 90, 99);
        sink.Open();
    }

    [Fact]
    public async Task Closing_waits_for_a_slow_sink_but_gives_up_on_one_that_writes_nothing()
    {
        using var stuck = new GatedSink();
        var counters = new LogSinkCounters("stuck");
        var queued = new QueuedSink(stuck, counters);
        queued.Emit(Entry(0));
        queued.Emit(Entry(1));
        await Wait.UntilAsync(() => stuck.Waiting, "the sink to be stuck");

        var clock = Stopwatch.StartNew();
        Assert.False(queued.Close(TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"closing took {clock.Elapsed.TotalSeconds:0.00} s");
        // Nothing is taken once closed.
        queued.Emit(Entry(2));
        stuck.Open();
        await Wait.UntilAsync(() => stuck.Received.Count == 2, "the entries queued before closing");

        var slow = new SlowSink(TimeSpan.FromMilliseconds(50));
        var written = new LogSinkCounters("slow");
        var drained = new QueuedSink(slow, written);
        for (int i = 0; i < 20; i++)
        {
            drained.Emit(Entry(i));
        }

        // A second's worth of entries, none of them alone longer than the stall limit: all are written.
        Assert.True(drained.Close(TimeSpan.FromSeconds(30)));
        Assert.Equal(20, written.Written);
    }

    [Fact]
    public void Closing_waits_for_a_sink_busy_in_a_long_write_as_for_one_waiting_for_a_CPU()
    {
        // A write that computes for 600 ms (as the first one compiles the formatter under
        // load) is not a stuck consumer: the entries after it are written too.
        AssertClosingWritesAll(new BusySink(TimeSpan.FromMilliseconds(600)), "busy");
    }

    [Fact]
    public void Closing_waits_for_a_sink_that_computes_in_a_long_write_with_pauses_as_the_garbage_collector_makes()
    {
        // Stopped now and then (for the collector, or preempted), the thread is
        // sometimes found asleep; it still uses CPU time, so it is not stuck.
        AssertClosingWritesAll(new BusySink(TimeSpan.FromMilliseconds(900), pause: TimeSpan.FromMilliseconds(12)), "pausing");
    }

    /// <summary>Three entries queued for <paramref name="sink"/>: closing waits for them all to be written.</summary>
    private static void AssertClosingWritesAll(ILogEventSink sink, string name)
    {
        var counters = new LogSinkCounters(name);
        var queued = new QueuedSink(sink, counters);
        for (int i = 0; i < 3; i++)
        {
            queued.Emit(Entry(i));
        }

        Assert.True(queued.Close(TimeSpan.FromSeconds(30)));
        Assert.Equal(3, counters.Written);
    }

    private static LogEvent Entry(int number) =>
        new(DateTimeOffset.Now, LogEventLevel.Information, null, Template, [new LogEventProperty("Number", new ScalarValue(number))]);

    /// <summary>The message as the console shows it: strings unquoted.</summary>
    private static string Text(LogEvent e)
    {
        var text = new StringWriter();
        new MessageTemplateTextFormatter("{Message:lj}").Format(e, text);
        return text.ToString();
    }

    private static int Number(LogEvent e) => (int)((ScalarValue)e.Properties["Number"]).Value!;

    /// <summary>A sink that blocks every write until opened, as a journal that does not read.</summary>
    private sealed class GatedSink : ILogEventSink, IDisposable
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private readonly List<LogEvent> _received = [];
        private volatile bool _waiting;

        public bool Waiting => _waiting;

        public List<LogEvent> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void Emit(LogEvent logEvent)
        {
            _waiting = true;
            _gate.Wait();
            _waiting = false;
            lock (_received)
            {
                _received.Add(logEvent);
            }
        }

        public void Open() => _gate.Set();

        public void Dispose() => _gate.Set();
    }

    private sealed class SlowSink(TimeSpan delay) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => Thread.Sleep(delay);
    }

    /// <summary>
    /// A sink whose first write computes for <paramref name="first"/>, with a
    /// sleep of <paramref name="pause"/> after every 6 ms of work if one is given.
    /// </summary>
    private sealed class BusySink(TimeSpan first, TimeSpan pause = default) : ILogEventSink
    {
        private int _entries;

        public void Emit(LogEvent logEvent)
        {
            if (_entries++ == 0)
            {
                var clock = Stopwatch.StartNew();
                var work = Stopwatch.StartNew();
                while (clock.Elapsed < first)
                {
                    Thread.SpinWait(1000);
                    if (pause > TimeSpan.Zero && work.Elapsed >= TimeSpan.FromMilliseconds(6))
                    {
                        Thread.Sleep(pause);
                        work.Restart();
                    }
                }
            }
        }
    }
}
