using System.Globalization;

namespace SocketBridge.Import;

/// <summary>
/// Service names and their ports, as in /etc/services (services(5)):
/// <c>NAME PORT/PROTOCOL [ALIAS...] [# comment]</c>. Read as a file, not
/// through getservbyname(3), so the import needs nothing but the file.
/// </summary>
internal sealed class ServicesDatabase
{
    public const string SystemPath = "/etc/services";

    private readonly Dictionary<(string Name, string Protocol), int> _ports = [];

    public static ServicesDatabase Parse(string text)
    {
        var database = new ServicesDatabase();
        foreach (string raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            int hash = raw.IndexOf('#', StringComparison.Ordinal);
            string[] words = (hash < 0 ? raw : raw[..hash]).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2)
            {
                continue;
            }

            int slash = words[1].IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || !int.TryParse(words[1][..slash], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                continue;
            }

            string protocol = words[1][(slash + 1)..];
            foreach (string name in words.Where((_, i) => i != 1))
            {
                // The first line for a name wins, as getservbyname(3) finds it.
                database._ports.TryAdd((name, protocol), port);
            }
        }

        return database;
    }

    /// <summary>/etc/services, or no names at all when it cannot be read.</summary>
    public static ServicesDatabase System()
    {
        try
        {
            return Parse(File.ReadAllText(SystemPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ServicesDatabase();
        }
    }

    public bool TryFindPort(string name, string protocol, out int port) => _ports.TryGetValue((name, protocol), out port);
}
