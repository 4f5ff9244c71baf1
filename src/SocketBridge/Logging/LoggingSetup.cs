using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using SocketBridge.Systemd;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace SocketBridge.Logging;

/// <summary>
/// The daemon's log (SPEC 6): journald through its native protocol when one
/// is reachable, and one line an entry on stderr unless stderr is itself
/// the journal (systemd's JOURNAL_STREAM), so nothing is logged twice. Each
/// of the two has a queue and a thread of its own (<see cref="QueuedSink"/>):
/// a journal that stops reading does not silence stderr, nor the other way
/// round, and neither ever holds up the daemon (SPEC 8).
/// </summary>
internal static class LoggingSetup
{
    public const string OutputTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <param name="counters">Where each sink counts what it wrote and dropped (shown by socketbridge status).</param>
    public static LogPipeline Create(LoggingLevelSwitch level, LogCounters counters, string journalPath = JournalSocket.DefaultPath)
    {
        JournalSocket? journal = JournalSocket.TryConnect(journalPath);
        bool console = journal is null || !JournalStream.IsStandardError();
        Logger consoleLogger = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .WriteTo.Console(
                outputTemplate: OutputTemplate,
                formatProvider: CultureInfo.InvariantCulture,
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();

        // Also the journal's fallback for an entry it refuses, when stderr is
        // not a sink of its own (it is then the journal's stream).
        var consoleSink = new QueuedSink(consoleLogger, counters.Add("console"));
        QueuedSink? journalSink = journal is null
            ? null
            : new QueuedSink(new JournalSink(journal, console ? null : consoleSink), counters.Add("journal"));
        var configuration = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            // The host's own start-up and lifetime messages: socketbridge says what matters itself.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Fatal);
        if (journalSink is not null)
        {
            configuration.WriteTo.Sink(journalSink);
        }

        if (console)
        {
            configuration.WriteTo.Sink(consoleSink);
        }

        // The journal first: stopping, it is given the time first.
        return new LogPipeline(configuration.CreateLogger(), journalSink is null ? [consoleSink] : [journalSink, consoleSink]);
    }

    public static LogEventLevel ToSerilog(MsLogLevel level) => level switch
    {
        MsLogLevel.Trace => LogEventLevel.Verbose,
        MsLogLevel.Debug => LogEventLevel.Debug,
        MsLogLevel.Information => LogEventLevel.Information,
        MsLogLevel.Warning => LogEventLevel.Warning,
        MsLogLevel.Error => LogEventLevel.Error,
        // Critical, and None: Serilog has no level above Fatal.
        _ => LogEventLevel.Fatal,
    };
}
