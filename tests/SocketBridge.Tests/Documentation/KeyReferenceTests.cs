using System.Text.RegularExpressions;
using SocketBridge.Configuration;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Documentation;

/// <summary>
/// The README's key tables and socketbridge.json(5) document exactly the keys
/// the configuration reader accepts: their generated parts are what
/// <see cref="KeyReference"/> makes of the reader's tables (`make docs`
/// rewrites them), and every key the page documents is one the loader takes.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class KeyReferenceTests
{
    /// <summary>Set by `make docs`: the test writes the generated parts instead of comparing them.</summary>
    private const string UpdateVariable = "SOCKETBRIDGE_UPDATE_DOCS";

    private static readonly string ManPage = Path.Combine(Binary.RepositoryRoot, "docs", "man", "socketbridge.json.5");

    [Fact]
    public void The_generated_parts_of_the_readme_and_the_manual_page_are_the_tables_of_the_reader()
    {
        bool update = Environment.GetEnvironmentVariable(UpdateVariable) == "1";
        var stale = new List<string>();
        foreach (IGrouping<string, (string File, string Begin, string End, string Text)> file in KeyReference.Parts.GroupBy(p => p.File))
        {
            string path = Path.Combine(Binary.RepositoryRoot, file.Key);
            string content = File.ReadAllText(path);
            string generated = file.Aggregate(content, (text, part) => KeyReference.Replace(file.Key, text, part.Begin, part.End, part.Text));
            if (generated != content)
            {
                stale.Add(file.Key);
                if (update)
                {
                    File.WriteAllText(path, generated);
                }
            }
        }

        Assert.True(update || stale.Count == 0, $"{string.Join(" and ", stale)} differ from the key tables of src/SocketBridge/Configuration: run `make docs`");
    }

    [Fact]
    public void The_manual_page_documents_every_key_the_reader_knows_and_no_other()
    {
        (string[] daemon, string[] bridge) = DocumentedKeys();

        Assert.Equal(DaemonKeys.Names.Order(StringComparer.Ordinal), daemon.Order(StringComparer.Ordinal));
        Assert.Equal(BridgeKeys.Names.Order(StringComparer.Ordinal), bridge.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_the_manual_page_documents_is_accepted_by_the_loader_and_a_key_it_does_not_is_refused()
    {
        (string[] daemon, string[] bridge) = DocumentedKeys();

        foreach (string key in daemon)
        {
            Assert.DoesNotContain(Unknown($$"""{ "SocketBridge": { "{{key}}": null } }"""), e => e.Key == $"SocketBridge:{key}");
            Assert.Contains(Unknown($$"""{ "SocketBridge": { "{{key.ToLowerInvariant()}}": null } }"""), e => e.Key == $"SocketBridge:{key.ToLowerInvariant()}");
        }

        foreach (string key in bridge)
        {
            string written = $$"""{ "Bridges": { "b": { "{{key}}": null } } }""";
            Assert.DoesNotContain(Unknown(written), e => e.Key == $"Bridges:b:{key}");
            string lower = written.Replace($"\"{key}\"", $"\"{key.ToLowerInvariant()}\"", StringComparison.Ordinal);
            Assert.Contains(Unknown(lower), e => e.Key == $"Bridges:b:{key.ToLowerInvariant()}");
        }

        Assert.Contains(Unknown("""{ "SocketBridge": { "Bogus": 1 } }"""), e => e.Key == "SocketBridge:Bogus");
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("`-c FILE` and `a\\b`", "\\fB\\-c FILE\\fR and \\fBa\\eb\\fR")]
    [InlineData("see [Durations](#durations), **not** `[x](y)`", "see Durations, \\fBnot\\fR \\fB[x](y)\\fR")]
    [InlineData(".hidden", "\\&.hidden")]
    [InlineData("`echo hi \\| cat`", "\\fBecho hi | cat\\fR")]
    public void Markdown_becomes_roff_that_shows_the_same_words(string markdown, string roff)
    {
        Assert.Equal(roff, KeyReference.Roff(markdown));
    }

    /// <summary>The keys of the page's two generated lists: the names on each .TP tag line.</summary>
    private static (string[] Daemon, string[] Bridge) DocumentedKeys()
    {
        string page = File.ReadAllText(ManPage);
        return (Names(page, KeyReference.ManBegin("DaemonKeys")), Names(page, KeyReference.ManBegin("BridgeKeys")));
    }

    private static string[] Names(string page, string begin)
    {
        int start = page.IndexOf(begin, StringComparison.Ordinal);
        Assert.True(start >= 0, $"socketbridge.json.5 has no line \"{begin}\"");
        int end = page.IndexOf(KeyReference.ManEnd, start, StringComparison.Ordinal);
        return [.. TagLine().Matches(page[start..end]).SelectMany(m => TagName().Matches(m.Groups[1].Value)).Select(m => m.Groups[1].Value)];
    }

    /// <summary>The errors of loading <paramref name="json"/> that say a key is unknown.</summary>
    private static IReadOnlyList<ConfigurationError> Unknown(string json)
    {
        try
        {
            new ConfigurationLoader().LoadText("test", json);
            return [];
        }
        catch (ConfigurationException e)
        {
            return [.. e.Errors.Where(x => x.Message.StartsWith("unknown key", StringComparison.Ordinal))];
        }
    }

    [GeneratedRegex(@"^\.TP\n(.*)$", RegexOptions.Multiline)]
    private static partial Regex TagLine();

    [GeneratedRegex(@"\\fB([A-Za-z0-9]+)\\fR")]
    private static partial Regex TagName();
}
