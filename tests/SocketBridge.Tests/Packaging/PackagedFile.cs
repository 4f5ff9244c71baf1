using System.Text.RegularExpressions;

namespace SocketBridge.Tests.Packaging;

/// <summary>One line of `dpkg-deb -c`: mode, owner, and for a symbolic link its target.</summary>
public sealed partial record PackagedFile(string Mode, string Owner, string? LinkTarget)
{
    /// <summary>The listing keyed by path as dpkg-deb shows it ("./usr/sbin/socketbridge").</summary>
    public static Dictionary<string, PackagedFile> Parse(string listing)
    {
        var files = new Dictionary<string, PackagedFile>(StringComparer.Ordinal);
        foreach (string line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Match m = ListingLine().Match(line);
            Assert.True(m.Success, $"dpkg-deb -c line: {line}");
            string[] name = m.Groups["name"].Value.Split(" -> ", 2);
            files[name[0]] = new PackagedFile(m.Groups["mode"].Value, m.Groups["owner"].Value, name.Length == 2 ? name[1] : null);
        }

        return files;
    }

    // drwxr-xr-x root/root         0 2026-11-24 08:02 ./etc/
    [GeneratedRegex(@"^(?<mode>\S+) (?<owner>\S+) +\d+ \S+ \S+ (?<name>.+)$")]
    private static partial Regex ListingLine();
}
