namespace SocketBridge.Configuration;

/// <summary>"did you mean …?" for a mistyped key: the known key at the smallest edit distance.</summary>
internal static class KeySuggestion
{
    /// <summary>The message for an unknown key of a bridge: the nearest key of <see cref="BridgeKeys"/>, if one is near.</summary>
    public static string ForUnknownBridgeKey(string key) => ForUnknown(key, BridgeKeys.Names);

    public static string ForUnknown(string key, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int d = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, key.Length / 3)
            ? $"unknown key (did you mean {best}?)"
            : "unknown key";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
