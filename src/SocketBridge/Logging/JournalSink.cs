using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using SocketBridge.Systemd;

namespace SocketBridge.Logging;

/// <summary>
/// Writes log events to journald (SPEC 6): the rendered message as MESSAGE,
/// the level as PRIORITY, SYSLOG_IDENTIFIER, and every property (the
/// template's and the connection scope's) as a field of its own, so
/// <c>journalctl BRIDGE=echo</c> finds a bridge's entries. An entry the
/// journal refuses goes to <paramref name="fallback"/>, when there is one,
/// instead of being lost. Sends block while journald is not reading: this
/// sink is written from a thread of its own (<see cref="QueuedSink"/>).
/// </summary>
internal sealed class JournalSink(JournalSocket journal, ILogEventSink? fallback) : ILogEventSink, IDisposable
{
    public const string Identifier = "socketbridge";

    private readonly JournalEntry _entry = new();
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture);
    private readonly object _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _entry.Clear();
            _entry.Add("MESSAGE", Render(logEvent));
            _entry.Add("PRIORITY", Priority(logEvent.Level));
            _entry.Add("SYSLOG_IDENTIFIER", Identifier);
            foreach (KeyValuePair<string, LogEventPropertyValue> property in logEvent.Properties)
            {
                if (JournalFieldName.From(property.Key) is { } name && Format(property.Value) is { } value)
                {
                    _entry.Add(name, value);
                }
            }

            if (journal.Send(_entry.Bytes))
            {
                return;
            }
        }

        fallback?.Emit(logEvent);
    }

    public void Dispose() => journal.Dispose();

    /// <summary>syslog(3) priorities, as journald expects them.</summary>
    public static string Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => "7",
        LogEventLevel.Information => "6",
        LogEventLevel.Warning => "4",
        LogEventLevel.Error => "3",
        _ => "2",
    };

    /// <summary>The message with its values in place, strings unquoted; an exception follows on its own lines.</summary>
    private string Render(LogEvent logEvent)
    {
        _text.GetStringBuilder().Clear();
        foreach (MessageTemplateToken token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken property && logEvent.Properties.TryGetValue(property.PropertyName, out LogEventPropertyValue? value))
            {
                _text.Write(Format(value));
            }
            else
            {
                token.Render(logEvent.Properties, _text, CultureInfo.InvariantCulture);
            }
        }

        if (logEvent.Exception is { } exception)
        {
            _text.Write('\n');
            _text.Write(exception.ToString());
        }

        return _text.ToString();
    }

    private static string? Format(LogEventPropertyValue value)
    {
        if (value is ScalarValue scalar)
        {
            return scalar.Value switch
            {
                null => null,
                string s => s,
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                object o => o.ToString(),
            };
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        value.Render(writer, null, CultureInfo.InvariantCulture);
        return writer.ToString();
    }
}
