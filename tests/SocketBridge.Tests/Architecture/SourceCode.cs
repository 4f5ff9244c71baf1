using System.Text;

namespace SocketBridge.Tests.Architecture;

/// <summary>
/// C# source as code only: comments and the text of string and character
/// literals become spaces (line breaks kept), while the holes of an
/// interpolated string stay, since <c>$"{Endpoints.UnixEndpoint.SchemeOf(t)}"</c>
/// is a reference like any other.
/// </summary>
public static class SourceCode
{
    public static string Strip(string source)
    {
        var code = new StringBuilder(source.Length);
        int i = 0;
        Code(source, ref i, code, closing: null);
        return code.ToString();
    }

    /// <summary>Copies code up to the brace that closes an interpolation hole (<paramref name="closing"/>), or to the end.</summary>
    private static void Code(string s, ref int i, StringBuilder code, char? closing)
    {
        int depth = 0;
        while (i < s.Length)
        {
            char c = s[i];
            char next = i + 1 < s.Length ? s[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                while (i < s.Length && s[i] != '\n')
                {
                    Blank(s, ref i, code);
                }
            }
            else if (c == '/' && next == '*')
            {
                Blank(s, ref i, code);
                Blank(s, ref i, code);
                while (i < s.Length && !(s[i] == '*' && i + 1 < s.Length && s[i + 1] == '/'))
                {
                    Blank(s, ref i, code);
                }

                Blank(s, ref i, code);
                Blank(s, ref i, code);
            }
            else if (c == '\'')
            {
                Blank(s, ref i, code);
                while (i < s.Length && s[i] != '\'')
                {
                    if (s[i] == '\\')
                    {
                        Blank(s, ref i, code);
                    }

                    Blank(s, ref i, code);
                }

                Blank(s, ref i, code);
            }
            else if (c == '"' || ((c == '$' || c == '@') && (next == '"' || ((next == '$' || next == '@') && i + 2 < s.Length && s[i + 2] == '"'))))
            {
                Literal(s, ref i, code);
            }
            else
            {
                if (closing is not null)
                {
                    if (c == '{')
                    {
                        depth++;
                    }
                    else if (c == '}' && depth-- == 0)
                    {
                        return;
                    }
                }

                code.Append(c);
                i++;
            }
        }
    }

    /// <summary>A string literal from its prefix ($, @, both, or none) to its closing quote, holes copied as code.</summary>
    private static void Literal(string s, ref int i, StringBuilder code)
    {
        bool interpolated = false, verbatim = false;
        while (s[i] != '"')
        {
            interpolated |= s[i] == '$';
            verbatim |= s[i] == '@';
            Blank(s, ref i, code);
        }

        if (string.CompareOrdinal(s, i, "\"\"\"", 0, 3) == 0)
        {
            // A raw string literal: no escapes, no holes looked into.
            int end = s.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
            end = end < 0 ? s.Length : end + 3;
            while (i < end)
            {
                Blank(s, ref i, code);
            }

            return;
        }

        Blank(s, ref i, code); // the opening quote
        while (i < s.Length)
        {
            char c = s[i];
            char next = i + 1 < s.Length ? s[i + 1] : '\0';
            if (c == '"' && verbatim && next == '"')
            {
                Blank(s, ref i, code);
                Blank(s, ref i, code);
            }
            else if (c == '"')
            {
                Blank(s, ref i, code);
                return;
            }
            else if (c == '\\' && !verbatim)
            {
                Blank(s, ref i, code);
                Blank(s, ref i, code);
            }
            else if (interpolated && c == '{' && next == '{')
            {
                Blank(s, ref i, code);
                Blank(s, ref i, code);
            }
            else if (interpolated && c == '{')
            {
                code.Append(' ');
                i++;
                Code(s, ref i, code, closing: '}');
                code.Append(' ');
                i++;
            }
            else
            {
                Blank(s, ref i, code);
            }
        }
    }

    private static void Blank(string s, ref int i, StringBuilder code)
    {
        if (i < s.Length)
        {
            code.Append(s[i] == '\n' ? '\n' : ' ');
            i++;
        }
    }
}
