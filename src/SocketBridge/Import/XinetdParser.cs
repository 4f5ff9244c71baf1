namespace SocketBridge.Import;

/// <summary>
/// Reads the sections of an xinetd file (xinetd.conf(5)): <c>service NAME</c>
/// or <c>defaults</c>, then <c>{</c> (on that line or the next),
/// <c>NAME OP VALUE...</c> lines and <c>}</c>. Values are words separated by
/// blanks, with no quoting, as xinetd reads them; a line whose first
/// character that is not blank is <c>#</c> is a comment (xinetd has no
/// comments after a value). Says nothing about what the attributes mean.
/// </summary>
internal static class XinetdParser
{
    public static IReadOnlyList<XinetdSection> Parse(string file, string text, ICollection<ImportNote> notes)
    {
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        var sections = new List<XinetdSection>();
        int next = 0;
        while (next < lines.Length)
        {
            int line = next + 1;
            string[] words = Words(lines[next++]);
            if (words.Length == 0)
            {
                continue;
            }

            switch (words[0])
            {
                case "service" or "defaults":
                    if (ReadSection(file, lines, ref next, line, words, notes) is { } section)
                    {
                        sections.Add(section);
                    }

                    break;
                case "include" or "includedir":
                    notes.Add(ImportNote.NotTranslated(file, line, words[0],
                        "not followed: give the files to import on the command line (socketbridge import xinetd /etc/xinetd.conf /etc/xinetd.d/*)"));
                    break;
                default:
                    notes.Add(ImportNote.NotTranslated(file, line, words[0], "outside a service or defaults section"));
                    break;
            }
        }

        return sections;
    }

    /// <summary>The words of a line; none for a blank line or a comment.</summary>
    private static string[] Words(string line)
    {
        string trimmed = line.Trim();
        return trimmed.Length == 0 || trimmed[0] == '#' ? [] : trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    private static XinetdSection? ReadSection(string file, string[] lines, ref int next, int line, string[] header, ICollection<ImportNote> notes)
    {
        bool isDefaults = header[0] == "defaults";
        bool opened = header[^1] == "{";
        string[] naming = opened ? header[1..^1] : header[1..];
        string subject = isDefaults ? "defaults" : $"service {string.Join(' ', naming)}".TrimEnd();
        string? problem = (isDefaults, naming.Length) switch
        {
            (true, > 0) => "defaults takes no name",
            (false, 0) => "a service needs a name",
            (false, > 1) => "a service name is one word",
            _ => null,
        };
        if (!opened)
        {
            // The brace on the next line that has anything on it.
            while (next < lines.Length && Words(lines[next]).Length == 0)
            {
                next++;
            }

            if (next < lines.Length && Words(lines[next]) is ["{"])
            {
                next++;
                opened = true;
            }
        }

        if (!opened)
        {
            notes.Add(ImportNote.NotTranslated(file, line, subject, "no { opens the section"));
            return null;
        }

        var attributes = new List<XinetdAttribute>();
        while (next < lines.Length)
        {
            int attributeLine = next + 1;
            string content = lines[next++].Trim();
            if (Words(content).Length == 0)
            {
                continue;
            }

            if (content == "}")
            {
                if (problem is not null)
                {
                    notes.Add(ImportNote.NotTranslated(file, line, subject, problem));
                    return null;
                }

                return new XinetdSection(file, line, isDefaults ? "defaults" : naming[0], isDefaults, attributes);
            }

            if (TryReadAttribute(file, attributeLine, content, out XinetdAttribute? attribute, out string error))
            {
                attributes.Add(attribute);
            }
            else
            {
                notes.Add(ImportNote.NotTranslated(file, attributeLine, content.Split((char[]?)null, 2)[0], error));
            }
        }

        notes.Add(ImportNote.NotTranslated(file, line, subject, "no } closes the section"));
        return null;
    }

    /// <summary><c>NAME OP VALUE...</c>, OP being <c>=</c>, <c>+=</c> or <c>-=</c>, with or without blanks around it.</summary>
    private static bool TryReadAttribute(string file, int line, string content, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out XinetdAttribute? attribute, out string error)
    {
        attribute = null;
        error = string.Empty;
        int equals = content.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            error = "not NAME = VALUE";
            return false;
        }

        int nameEnd = equals > 0 && content[equals - 1] is '+' or '-' ? equals - 1 : equals;
        string name = content[..nameEnd].Trim();
        if (name.Length == 0 || name.Any(char.IsWhiteSpace))
        {
            error = "not NAME = VALUE";
            return false;
        }

        string op = content[nameEnd..(equals + 1)];
        string[] values = content[(equals + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        attribute = new XinetdAttribute(file, line, name, op, values);
        return true;
    }
}
