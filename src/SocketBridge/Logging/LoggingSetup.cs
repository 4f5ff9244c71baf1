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
/// the journal (systemd's JOURNAL_STREAM), so nothing is logged twice.
/// </summary>
public static class LoggingSetup
{
    public const string OutputTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static Logger CreateLogger(LoggingLevelSwitch level, string journalPath = JournalSocket.DefaultPath)
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

        return new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            // The host's own start-up and lifetime messages: socketbridge says what matters itself.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Fatal)
            // Written by a background worker, so connections never wait on the
            // log; blockWhenFull: a burst is slowed down, never dropped.
            .WriteTo.Async(
                sinks =>
                {
                    if (journal is not null)
                    {
                        sinks.Sink(new JournalSink(journal, consoleLogger));
                    }

                    if (console)
                    {
                        sinks.Sink(consoleLogger);
                    }
                },
                bufferSize: 1_000,
                blockWhenFull: true)
            .CreateLogger();
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
