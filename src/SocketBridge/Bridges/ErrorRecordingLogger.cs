using Microsoft.Extensions.Logging;

namespace SocketBridge.Bridges;

/// <summary>
/// A bridge's logger that also keeps its last warning or error in the
/// bridge's counters, so <c>socketbridge status</c> can show what went wrong
/// last without anyone reading the log.
/// </summary>
internal sealed class ErrorRecordingLogger(ILogger inner, BridgeCounters counters, TimeProvider time) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        inner.Log(logLevel, eventId, state, exception, formatter);
        if (logLevel >= LogLevel.Warning && logLevel != LogLevel.None)
        {
            counters.RecordError(new BridgeError(time.GetUtcNow(), formatter(state, exception)));
        }
    }
}
