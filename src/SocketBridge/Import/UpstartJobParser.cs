using System.Collections.Frozen;

namespace SocketBridge.Import;

/// <summary>
/// Reads the stanzas of an Upstart job file (init(5)): one a line, a
/// trailing backslash continues a line, a <c>start on</c> or <c>stop on</c>
/// continues while a parenthesis is open, and <c>script</c> blocks run to
/// <c>end script</c>. Says nothing about what the stanzas mean.
/// </summary>
internal static class UpstartJobParser
{
    /// <summary>First words that take a second one to name the stanza, and the second words they take.</summary>
    private static readonly FrozenDictionary<string, string[]> TwoWordStanzas = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["start"] = ["on"],
        ["stop"] = ["on"],
        ["pre-start"] = ["exec", "script"],
        ["post-start"] = ["exec", "script"],
        ["pre-stop"] = ["exec", "script"],
        ["post-stop"] = ["exec", "script"],
        ["respawn"] = ["limit"],
        ["kill"] = ["timeout", "signal"],
        ["reload"] = ["signal"],
        ["normal"] = ["exit"],
        ["oom"] = ["score"],
        ["apparmor"] = ["load", "switch"],
        ["end"] = ["script"],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IReadOnlyList<UpstartStanza> Parse(string file, string text, ICollection<ImportNote> notes)
    {
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        var stanzas = new List<UpstartStanza>();
        int next = 0;
        while (next < lines.Length)
        {
            int line = next + 1;
            string content = ReadLine(lines, ref next);
            if (content.Length == 0)
            {
                continue;
            }

            (string keyword, string arguments) = SplitKeyword(content);
            if (keyword is "start on" or "stop on")
            {
                while (UpstartTokenizer.OpenParentheses(arguments) > 0 && next < lines.Length)
                {
                    arguments = $"{arguments} {ReadLine(lines, ref next)}".TrimEnd();
                }
            }

            if (keyword == "script" || (keyword.EndsWith(" script", StringComparison.Ordinal) && keyword != "end script"))
            {
                if (!TryReadBlock(lines, ref next, out string block))
                {
                    notes.Add(ImportNote.NotTranslated(file, line, keyword, "no \"end script\" closes it"));
                    continue;
                }

                stanzas.Add(new UpstartStanza(file, line, keyword, arguments, block));
            }
            else
            {
                stanzas.Add(new UpstartStanza(file, line, keyword, arguments));
            }
        }

        return stanzas;
    }

    /// <summary>The next line with its continuation lines joined and its comment removed, trimmed.</summary>
    private static string ReadLine(string[] lines, ref int next)
    {
        string line = lines[next++];
        while (line.EndsWith('\\') && next < lines.Length)
        {
            line = $"{line[..^1]} {lines[next++]}";
        }

        return UpstartTokenizer.StripComment(line).Trim();
    }

    private static (string Keyword, string Arguments) SplitKeyword(string content)
    {
        (string first, string rest) = SplitWord(content);
        if (TwoWordStanzas.TryGetValue(first, out string[]? seconds))
        {
            (string second, string afterSecond) = SplitWord(rest);
            if (seconds.Contains(second, StringComparer.Ordinal))
            {
                return ($"{first} {second}", afterSecond);
            }
        }

        return (first, rest);
    }

    private static (string Word, string Remainder) SplitWord(string text)
    {
        int end = 0;
        while (end < text.Length && !char.IsWhiteSpace(text[end]))
        {
            end++;
        }

        return (text[..end], text[end..].TrimStart());
    }

    /// <summary>The lines up to <c>end script</c>, as they are; false when the file ends first.</summary>
    private static bool TryReadBlock(string[] lines, ref int next, out string block)
    {
        int start = next;
        for (; next < lines.Length; next++)
        {
            string[] words = UpstartTokenizer.StripComment(lines[next]).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words is ["end", "script"])
            {
                block = string.Join('\n', lines[start..next]);
                next++;
                return true;
            }
        }

        block = string.Empty;
        return false;
    }
}
