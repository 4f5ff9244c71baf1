using System.Text;

namespace SocketBridge.Import;

/// <summary>Bridge names for imported jobs: <c>[a-z0-9][a-z0-9._-]*</c> (SPEC 3), each used once.</summary>
internal static class BridgeNames
{
    /// <summary>The job name lowercased, other characters as '-', leading punctuation dropped; "job" when nothing is left.</summary>
    public static string FromJobName(string jobName)
    {
        var name = new StringBuilder(jobName.Length);
        foreach (char c in jobName.ToLowerInvariant())
        {
            bool allowed = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-';
            char kept = allowed ? c : '-';
            if (name.Length == 0 && !char.IsAsciiLetterOrDigit(kept))
            {
                continue;
            }

            name.Append(kept);
        }

        return name.Length == 0 ? "job" : name.ToString();
    }

    /// <summary><paramref name="name"/>, or the first of NAME-2, NAME-3... not in <paramref name="taken"/>; adds it.</summary>
    public static string Unique(string name, ISet<string> taken)
    {
        if (taken.Add(name))
        {
            return name;
        }

        for (int n = 2; ; n++)
        {
            string candidate = $"{name}-{n}";
            if (taken.Add(candidate))
            {
                return candidate;
            }
        }
    }
}
