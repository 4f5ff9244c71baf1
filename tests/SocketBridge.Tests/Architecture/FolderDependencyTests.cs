namespace SocketBridge.Tests.Architecture;

/// <summary>
/// The folders of src/SocketBridge depend on each other one way, from the
/// command line down to Native/ (STYLE 14; issue 16): a folder uses only
/// folders of the layers below its own, so a type two folders need lives in
/// the lower one. The table is the layering; a change that needs a folder to
/// use one above it (or beside it) moves a type down instead, or changes the
/// table on purpose.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FolderDependencyTests
{
    /// <summary>
    /// Top to bottom. Folders in one layer do not use each other. Program.cs,
    /// at the top of src/SocketBridge, is above them all. A folder named here
    /// may not exist (yet).
    /// </summary>
    public static readonly IReadOnlyList<string[]> Layers =
    [
        ["Cli"],                  // the commands: run, check, serve, status, reload, pipe, import
        ["Hosting", "Import"],    // the daemon's start, reload and stop; the importers' translation
        ["Control"],              // the control socket: status and reload requests
        ["Bridges"],              // accept loops, limits, the modes
        ["Forwarding"],           // the relay, connecting to Target, the on-demand backend
        ["Processes"],            // running a program: environment, reaping, stderr
        ["Configuration"],        // files into validated options
        ["Access", "Metrics"],    // who may connect, limits per source and rate (values the options hold); the counts, the Meter, the metrics endpoint
        ["Endpoints", "Logging"], // endpoints, binding, passed sockets, accepted connections; the log sinks
        ["Systemd", "Handover"],  // the journal's protocol, the liveness probe the watchdog asks; what a re-exec carries over
        ["Native"],               // P/Invoke and the C helper
    ];

    [Fact]
    public void No_folder_uses_a_folder_above_it_or_beside_it()
    {
        IReadOnlyDictionary<string, string> sources = FolderDependencies.ReadSources(FolderDependencies.SourceRoot);
        List<string> violations = Violations(sources, Layers);

        Assert.True(violations.Count == 0, "Folder dependencies must run down the layers (FolderDependencyTests.Layers):\n" + string.Join('\n', violations));
    }

    [Fact]
    public void Every_folder_is_in_the_layer_table_and_every_file_in_its_folders_namespace()
    {
        IReadOnlyDictionary<string, string> sources = FolderDependencies.ReadSources(FolderDependencies.SourceRoot);
        var known = Layers.SelectMany(l => l).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach ((string file, string text) in sources)
        {
            string folder = FolderDependencies.FolderOf(file);
            if (folder.Contains('/', StringComparison.Ordinal) || file.Count(c => c == '/') > 1)
            {
                problems.Add($"{file}: in a folder within a folder; the layer table knows the folders of src/SocketBridge only");
            }

            if (folder.Length > 0 && !known.Contains(folder))
            {
                problems.Add($"{file}: folder {folder} is not in the layer table: place it there (FolderDependencyTests.Layers)");
            }

            string expected = folder.Length == 0 ? "SocketBridge" : $"SocketBridge.{folder}";
            string? actual = FolderDependencies.NamespaceOf(text);
            if (actual != expected)
            {
                problems.Add($"{file}: namespace {actual ?? "(none)"}, not {expected}: a folder is a namespace");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_layer_table_names_each_folder_once()
    {
        string[] folders = [.. Layers.SelectMany(l => l)];

        Assert.Equal(folders.Length, folders.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void A_use_of_a_folder_above_is_reported_with_the_file_the_folder_and_the_use()
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Bridges/PeerInfo.cs"] = "namespace SocketBridge.Bridges;\npublic sealed record PeerInfo;\n",
            ["Access/AccessPolicy.cs"] = "using SocketBridge.Bridges;\n\nnamespace SocketBridge.Access;\n\npublic sealed record AccessPolicy(PeerInfo Peer);\n",
            ["Endpoints/Binder.cs"] = "namespace SocketBridge.Endpoints;\n\npublic static class Binder\n{\n    public static object Bind(Configuration.BridgeOptions bridge) => bridge;\n}\n",
            ["Configuration/BridgeOptions.cs"] = "namespace SocketBridge.Configuration;\n\npublic sealed record BridgeOptions(Endpoints.Binder? B, Access.AccessPolicy? A);\n",
        };

        IReadOnlyList<string> violations = Violations(sources, [["Bridges"], ["Configuration"], ["Access"], ["Endpoints"]]);

        Assert.Equal(
            [
                "Access/AccessPolicy.cs: Access uses Bridges, a folder above it (using SocketBridge.Bridges;)",
                "Endpoints/Binder.cs: Endpoints uses Configuration, a folder above it (Configuration.BridgeOptions)",
            ],
            violations);
    }

    [Fact]
    public void Folders_of_one_layer_may_not_use_each_other_and_a_folder_not_in_the_table_is_reported()
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Systemd/Notifier.cs"] = "namespace SocketBridge.Systemd;\npublic sealed class Notifier { object E = SocketBridge.Endpoints.ListenEndpoint.None; }\n",
            ["Endpoints/ListenEndpoint.cs"] = "namespace SocketBridge.Endpoints;\npublic sealed class ListenEndpoint { public static object None = new(); }\n",
            ["Metrics/Counter.cs"] = "using SocketBridge.Native;\nnamespace SocketBridge.Metrics;\npublic sealed class Counter;\n",
        };

        IReadOnlyList<string> violations = Violations(sources, [["Endpoints", "Systemd"], ["Native"]]);

        Assert.Equal(
            [
                "Metrics/Counter.cs: Metrics is not in the layer table, and uses Native (using SocketBridge.Native;)",
                "Systemd/Notifier.cs: Systemd uses Endpoints, a folder of its own layer (SocketBridge.Endpoints.ListenEndpoint)",
            ],
            violations);
    }

    [Theory]
    [InlineData("// using SocketBridge.Bridges;\nnamespace SocketBridge.Access;")]
    [InlineData("/* Bridges.PeerInfo */ namespace SocketBridge.Access;")]
    [InlineData("namespace SocketBridge.Access;\nclass A { string s = \"see Bridges.PeerInfo\"; }")]
    [InlineData("namespace SocketBridge.Access;\nclass A { string s = @\"Bridges.PeerInfo \"\" Bridges.PeerInfo\"; }")]
    [InlineData("namespace SocketBridge.Access;\nclass A { string s = $\"{{Bridges.PeerInfo}}\"; }")]
    [InlineData("namespace SocketBridge.Access;\nclass A { object p = options.Bridges.PeerInfo; }")]
    [InlineData("namespace SocketBridge.Access;\nclass A { object p = Bridges.Options; }")] // not a type of Bridges/
    public void Comments_string_text_and_member_access_are_not_uses(string text)
    {
        var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            ["Bridges"] = ["PeerInfo"],
            ["Access"] = ["A"],
        };

        Assert.Empty(FolderDependencies.References("Access/A.cs", text, declared));
    }

    [Theory]
    [InlineData("using SocketBridge.Bridges;\nnamespace SocketBridge.Access;", "using SocketBridge.Bridges;")]
    [InlineData("using static SocketBridge.Bridges.PeerInfo;\nnamespace SocketBridge.Access;", "using static SocketBridge.Bridges.PeerInfo;")]
    [InlineData("using Peer = SocketBridge.Bridges.PeerInfo;\nnamespace SocketBridge.Access;", "using Peer = SocketBridge.Bridges.PeerInfo;")]
    [InlineData("namespace SocketBridge.Access;\nclass A { object p = Bridges.PeerInfo.Of(s); }", "Bridges.PeerInfo")]
    [InlineData("namespace SocketBridge.Access;\nclass A { object p = global::SocketBridge.Bridges.Anything; }", "global::SocketBridge.Bridges.Anything")]
    [InlineData("namespace SocketBridge.Access;\nclass A { string s = $\"peer {Bridges.PeerInfo.Of(s).Display}\"; }", "Bridges.PeerInfo")]
    public void Using_directives_and_qualified_names_are_uses(string text, string how)
    {
        var declared = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            ["Bridges"] = ["PeerInfo"],
            ["Access"] = ["A"],
        };

        FolderReference reference = Assert.Single(FolderDependencies.References("Access/A.cs", text, declared));
        Assert.Equal(new FolderReference("Access/A.cs", "Access", "Bridges", how), reference);
    }

    /// <summary>Each use of a folder not below the user's, one line each: the file, the folder, the folder used, and how.</summary>
    private static List<string> Violations(IReadOnlyDictionary<string, string> sources, IReadOnlyList<string[]> layers)
    {
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            foreach (string folder in layers[i])
            {
                rank[folder] = i;
            }
        }

        IReadOnlyDictionary<string, HashSet<string>> declared = FolderDependencies.DeclaredTypes(sources);
        var violations = new List<string>();
        foreach ((string file, string text) in sources)
        {
            foreach (FolderReference use in FolderDependencies.References(file, text, declared).DistinctBy(r => (r.Target, r.How)))
            {
                if (use.Folder.Length == 0)
                {
                    continue; // Program.cs: the entry point, above every folder
                }

                if (!rank.TryGetValue(use.Folder, out int mine))
                {
                    violations.Add($"{use.File}: {use.Folder} is not in the layer table, and uses {use.Target} ({use.How})");
                }
                else if (!rank.TryGetValue(use.Target, out int theirs))
                {
                    violations.Add($"{use.File}: {use.Folder} uses {use.Target}, which is not in the layer table ({use.How})");
                }
                else if (theirs == mine)
                {
                    violations.Add($"{use.File}: {use.Folder} uses {use.Target}, a folder of its own layer ({use.How})");
                }
                else if (theirs < mine)
                {
                    violations.Add($"{use.File}: {use.Folder} uses {use.Target}, a folder above it ({use.How})");
                }
            }
        }

        violations.Sort(StringComparer.Ordinal);
        return violations;
    }
}
