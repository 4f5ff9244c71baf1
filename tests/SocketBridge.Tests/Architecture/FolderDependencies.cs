using System.Text.RegularExpressions;

namespace SocketBridge.Tests.Architecture;

/// <summary>
/// Which folders of src/SocketBridge each source file uses: its
/// <c>using SocketBridge.X</c> directives (plain, static or aliased), and its
/// qualified names, <c>SocketBridge.X.Y</c> or <c>X.Y</c> where Y is a type
/// declared in folder X (so <c>options.Access.AllowUsers</c>, a property,
/// is not one). Comments and the text of string literals do not count;
/// the holes of interpolated strings do. A folder is a namespace: each
/// file's namespace is <c>SocketBridge.</c> and its folder's name.
/// </summary>
public static partial class FolderDependencies
{
    /// <summary>src/SocketBridge of this checkout, found above the test assembly (as Fixtures.Binary finds it, without needing out/socketbridge).</summary>
    public static string SourceRoot
    {
        get
        {
            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "SocketBridge.sln")))
                {
                    return Path.Combine(d.FullName, "src", "SocketBridge");
                }
            }

            throw new DirectoryNotFoundException("cannot find the repository root (SocketBridge.sln) above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Every C# file of the daemon, relative to <see cref="SourceRoot"/> with '/' separators, and its text.</summary>
    public static IReadOnlyDictionary<string, string> ReadSources(string root)
    {
        var sources = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal))
            {
                continue;
            }

            sources[relative] = File.ReadAllText(path);
        }

        return sources;
    }

    /// <summary>The folder of a file relative to src/SocketBridge: its first directory, or empty at the top.</summary>
    public static string FolderOf(string file)
    {
        int slash = file.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? string.Empty : file[..slash];
    }

    /// <summary>The types each folder declares (top-level and nested, by simple name).</summary>
    public static IReadOnlyDictionary<string, HashSet<string>> DeclaredTypes(IReadOnlyDictionary<string, string> sources)
    {
        var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach ((string file, string text) in sources)
        {
            string folder = FolderOf(file);
            if (!declared.TryGetValue(folder, out HashSet<string>? types))
            {
                declared[folder] = types = new HashSet<string>(StringComparer.Ordinal);
            }

            foreach (Match m in Declaration().Matches(SourceCode.Strip(text)))
            {
                types.Add(m.Groups["name"].Value);
            }
        }

        return declared;
    }

    /// <summary>Every use of another folder in <paramref name="text"/>, the file <paramref name="file"/>.</summary>
    public static IEnumerable<FolderReference> References(string file, string text, IReadOnlyDictionary<string, HashSet<string>> declared)
    {
        string folder = FolderOf(file);
        string code = SourceCode.Strip(text);
        foreach (Match m in UsingDirective().Matches(code))
        {
            string target = m.Groups["folder"].Value;
            if (target != folder)
            {
                yield return new FolderReference(file, folder, target, m.Value.Trim());
            }
        }

        string body = UsingDirective().Replace(code, string.Empty);
        foreach (Match m in QualifiedName().Matches(body))
        {
            string target = m.Groups["folder"].Value;
            bool full = m.Groups["root"].Success;
            if (target != folder && declared.ContainsKey(target) && (full || declared[target].Contains(m.Groups["type"].Value)))
            {
                yield return new FolderReference(file, folder, target, m.Value);
            }
        }
    }

    /// <summary>The namespace a file declares (file-scoped or block), or null.</summary>
    public static string? NamespaceOf(string text) =>
        NamespaceDeclaration().Match(SourceCode.Strip(text)) is { Success: true } m ? m.Groups["name"].Value : null;

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record(?:\s+(?:class|struct))?|delegate\s+[\w<>\[\]?,\s]+?)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?SocketBridge\.(?<folder>\w+)[^;]*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])(?<root>(?:global::)?SocketBridge\.)?(?<folder>[A-Z]\w*)\.(?<type>[A-Z]\w*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"^\s*namespace\s+(?<name>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
