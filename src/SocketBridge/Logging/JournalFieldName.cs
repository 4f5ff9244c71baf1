using System.Text;
using SocketBridge.Systemd;

namespace SocketBridge.Logging;

/// <summary>
/// A log property's journal field name: the message templates say
/// <c>ConnectionId</c>, the journal (and SPEC 6) <c>CONNECTION_ID</c>.
/// </summary>
internal static class JournalFieldName
{
    /// <summary>The fields the sink writes itself; a property never overwrites them.</summary>
    private static readonly string[] Reserved = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_PID", "SYSLOG_FACILITY"];

    /// <summary>Properties that are the logging library's bookkeeping, not the entry's facts.</summary>
    private static readonly string[] Skipped = ["SourceContext", "EventId", "Scope"];

    /// <summary><c>RemoteAddr</c> → <c>REMOTE_ADDR</c>; null for a property that has no place in the journal.</summary>
    public static string? From(string property)
    {
        if (Array.IndexOf(Skipped, property) >= 0)
        {
            return null;
        }

        var name = new StringBuilder(property.Length + 4);
        for (int i = 0; i < property.Length; i++)
        {
            char c = property[i];
            if (char.IsAsciiLetterUpper(c) && i > 0 && (char.IsAsciiLetterLower(property[i - 1]) || char.IsAsciiDigit(property[i - 1])
                || (i + 1 < property.Length && char.IsAsciiLetterUpper(property[i - 1]) && char.IsAsciiLetterLower(property[i + 1]))))
            {
                name.Append('_');
            }

            name.Append(char.ToUpperInvariant(c));
        }

        string field = name.ToString();
        return JournalEntry.IsValidFieldName(field) && Array.IndexOf(Reserved, field) < 0 ? field : null;
    }
}
