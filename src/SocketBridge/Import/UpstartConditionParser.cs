namespace SocketBridge.Import;

/// <summary>
/// Reads a <c>start on</c> condition (init(5), "Job start on"): events with
/// their arguments, combined with <c>and</c>, <c>or</c> and parentheses.
/// Only which events it names matters to an import, not how they combine.
/// </summary>
internal static class UpstartConditionParser
{
    public static bool TryParse(string text, out UpstartCondition condition, out string error)
    {
        condition = new UpstartCondition([], false);
        if (!UpstartTokenizer.TrySplit(text, parentheses: true, out List<string> words, out error))
        {
            return false;
        }

        var events = new List<UpstartEvent>();
        string? name = null;
        var arguments = new List<string>();
        bool combined = false;
        int depth = 0;
        foreach (string word in words)
        {
            switch (word)
            {
                case "(":
                    if (name is not null)
                    {
                        error = $"a '(' follows the event {name} without and or or";
                        return false;
                    }

                    depth++;
                    break;
                case ")":
                    if (name is null || --depth < 0)
                    {
                        error = "a ')' closes nothing";
                        return false;
                    }

                    break;
                case "and" or "or":
                    if (name is null)
                    {
                        error = $"'{word}' has no event before it";
                        return false;
                    }

                    Close();
                    combined = true;
                    break;
                default:
                    if (name is null)
                    {
                        name = word;
                    }
                    else
                    {
                        arguments.Add(word);
                    }

                    break;
            }
        }

        if (name is null)
        {
            error = events.Count == 0 ? "names no event" : "ends without an event after and or or";
            return false;
        }

        if (depth != 0)
        {
            error = "a '(' is not closed";
            return false;
        }

        Close();
        condition = new UpstartCondition(events, combined);
        return true;

        void Close()
        {
            events.Add(new UpstartEvent(name!, [.. arguments]));
            name = null;
            arguments.Clear();
        }
    }
}
