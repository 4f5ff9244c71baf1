using System.Text;

namespace SocketBridge.Import;

/// <summary>
/// An <c>exec</c> line as an argv. Upstart ran a command with any of
/// <c>~`!$^&amp;*()=|\{}[];"'&lt;&gt;?</c> through <c>/bin/sh -e -c "exec
/// COMMAND"</c>, and split the others on blanks (init(5)). Here quoting
/// that needs no shell (<c>'a b'</c>, <c>"a b"</c> without <c>$</c>,
/// <c>`</c> or <c>\</c>) and <c>=</c> in an argument are split directly as
/// a shell would; everything else still goes through the shell, which
/// <c>exec</c>s the program so it stays the process the daemon watches.
/// </summary>
internal static class ExecCommand
{
    public const string Shell = "/bin/sh";

    /// <summary>Characters that make a word mean more to the shell than its letters.</summary>
    private const string ShellCharacters = "~`!$^&*()|\\{}[];<>?#";

    /// <summary>argv for <paramref name="command"/>; false with a reason when it cannot be run at all.</summary>
    public static bool TryTranslate(string command, out IReadOnlyList<string> argv, out string error)
    {
        argv = [];
        error = string.Empty;
        if (command.Trim().Length == 0)
        {
            error = "names no program";
            return false;
        }

        if (TrySplit(command, out List<string> words, out bool needsShell, out error))
        {
            argv = needsShell ? ForScript($"exec {command.Trim()}") : words;
            return true;
        }

        return false;
    }

    /// <summary>argv running <paramref name="script"/> as Upstart ran a script block: <c>/bin/sh -e</c>.</summary>
    public static IReadOnlyList<string> ForScript(string script) => [Shell, "-e", "-c", script];

    private static bool TrySplit(string command, out List<string> words, out bool needsShell, out string error)
    {
        words = [];
        needsShell = false;
        error = string.Empty;
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < command.Length; i++)
        {
            char c = command[i];
            if (c is ' ' or '\t')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c is '\'' or '"')
            {
                int end = command.IndexOf(c, i + 1);
                if (end < 0)
                {
                    error = $"a {c} quote is not closed";
                    return false;
                }

                string quoted = command[(i + 1)..end];
                if (c == '"' && quoted.IndexOfAny(['$', '`', '\\']) >= 0)
                {
                    needsShell = true;
                    return true;
                }

                word.Append(quoted);
                inWord = true;
                i = end;
            }
            else if (ShellCharacters.Contains(c, StringComparison.Ordinal) || char.IsControl(c))
            {
                needsShell = true;
                return true;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        // NAME=value before the program is an assignment for the shell.
        needsShell = words.Count > 0 && words[0].Contains('=', StringComparison.Ordinal);
        return true;
    }
}
