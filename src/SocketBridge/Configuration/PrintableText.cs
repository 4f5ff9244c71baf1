using System.Globalization;
using System.Text;

namespace SocketBridge.Configuration;

/// <summary>
/// Text from a configuration file (a bridge name, a variable name, a value)
/// as messages show it: control characters and invisible format characters
/// escaped (<c>\0</c>, <c>\x1b</c>, <c>\u202e</c>), never written raw, so a
/// name cannot end a line early, move the cursor or recolour a terminal, or
/// hide part of a message in the journal.
/// </summary>
internal static class PrintableText
{
    public static string Escape(string text)
    {
        int first = 0;
        while (first < text.Length && !NeedsEscape(text, first))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        escaped.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // A well-formed pair (an emoji...): shown as it is.
                escaped.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            if (!NeedsEscape(text, i))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\0' => "\\0",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when c < 0x100 => $"\\x{(int)c:x2}",
                _ => $"\\u{(int)c:x4}",
            });
        }

        return escaped.ToString();
    }

    private static bool NeedsEscape(string text, int index)
    {
        char c = text[index];
        if (char.IsSurrogate(c))
        {
            // Only half of a pair is escaped; Escape copies whole pairs itself.
            return !(char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
                && !(char.IsLowSurrogate(c) && index > 0 && char.IsHighSurrogate(text[index - 1]));
        }

        return char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
    }
}
