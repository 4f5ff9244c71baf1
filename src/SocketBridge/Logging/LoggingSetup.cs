using System.Globalization;
using Serilog;
using Serilog.Events;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace SocketBridge.Logging;

/// <summary>The daemon's log: Serilog, one line an entry on stderr.</summary>
public static class LoggingSetup
{
    public const string OutputTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static Serilog.Core.Logger CreateLogger(MsLogLevel level)
    {
        return new LoggerConfiguration()
            .MinimumLevel.Is(ToSerilog(level))
            // The host's own start-up and lifetime messages: socketbridge says what matters itself.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Fatal)
            // Written by a background worker, so connections never wait on the
            // log; blockWhenFull: a burst is slowed down, never dropped.
            .WriteTo.Async(
                sink => sink.Console(
                    outputTemplate: OutputTemplate,
                    formatProvider: CultureInfo.InvariantCulture,
                    standardErrorFromLevel: LogEventLevel.Verbose),
                bufferSize: 10_000,
                blockWhenFull: true)
            .CreateLogger();
    }

    private static LogEventLevel ToSerilog(MsLogLevel level) => level switch
    {
        MsLogLevel.Trace => LogEventLevel.Verbose,
        MsLogLevel.Debug => LogEventLevel.Debug,
        MsLogLevel.Information => LogEventLevel.Information,
        MsLogLevel.Warning => LogEventLevel.Warning,
        MsLogLevel.Error => LogEventLevel.Error,
        _ => LogEventLevel.Fatal,
    };
}
