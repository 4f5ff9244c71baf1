using System.Text;

namespace SocketBridge.Import;

/// <summary>
/// The words of an Upstart stanza, as init(5) reads them: separated by
/// blanks, <c>"..."</c> and <c>'...'</c> quoting, backslash escapes, and
/// <c>#</c> starting a comment at the start of a word.
/// </summary>
internal static class UpstartTokenizer
{
    /// <summary><paramref name="line"/> without its comment (a <c>#</c> outside quotes at the start of a word).</summary>
    public static string StripComment(string line)
    {
        foreach (int i in Unquoted(line))
        {
            if (line[i] == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i];
            }
        }

        return line;
    }

    /// <summary>How many more '(' than ')' <paramref name="text"/> has outside quotes.</summary>
    public static int OpenParentheses(string text)
    {
        int depth = 0;
        foreach (int i in Unquoted(text))
        {
            depth += text[i] switch
            {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
        }

        return depth;
    }

    /// <summary>The positions of the characters outside quotes that no backslash escapes.</summary>
    private static IEnumerable<int> Unquoted(string text)
    {
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\'')
            {
                quote = c == '\'' ? '\0' : quote;
            }
            else if (c == '\\')
            {
                i++;
            }
            else if (quote == '"')
            {
                quote = c == '"' ? '\0' : quote;
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else
            {
                yield return i;
            }
        }
    }

    /// <summary>
    /// Splits <paramref name="text"/> into words with their quotes removed;
    /// with <paramref name="parentheses"/>, an unquoted '(' or ')' is a word
    /// of its own (an event condition). False on an unterminated quote.
    /// </summary>
    public static bool TrySplit(string text, bool parentheses, out List<string> words, out string error)
    {
        words = [];
        error = string.Empty;
        List<string> found = [];
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                Flush();
            }
            else if (parentheses && c is '(' or ')')
            {
                Flush();
                found.Add(c.ToString());
            }
            else if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    error = "a ' quote is not closed";
                    return false;
                }

                word.Append(text, i + 1, end - i - 1);
                inWord = true;
                i = end;
            }
            else if (c == '"')
            {
                int end = i + 1;
                for (; end < text.Length && text[end] != '"'; end++)
                {
                    if (text[end] == '\\' && end + 1 < text.Length)
                    {
                        end++;
                    }

                    word.Append(text[end]);
                }

                if (end >= text.Length)
                {
                    error = "a \" quote is not closed";
                    return false;
                }

                inWord = true;
                i = end;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Flush();
        words = found;
        return true;

        void Flush()
        {
            if (inWord)
            {
                found.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
        }
    }
}
