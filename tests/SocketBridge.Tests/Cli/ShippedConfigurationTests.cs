using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>
/// Every configuration file the repository ships, under config/ and
/// packaging/ (examples, the demo, the package's /etc/socketbridge, the
/// disabled example a user copies), passes `socketbridge check` as it is,
/// with the files it is meant to be read with, and without a warning. A new
/// file is checked as soon as it is there; a broken one fails the suite.
/// </summary>
public sealed class ShippedConfigurationTests
{
    private static readonly string[] Directories = ["config", "packaging"];

    public static TheoryData<string> Files => [.. ShippedFiles()];

    /// <summary>Every *.json and *.json.disabled under config/ and packaging/, from the repository root.</summary>
    private static string[] ShippedFiles() =>
    [
        .. Directories
            .SelectMany(d => Directory.GetFiles(Path.Combine(Binary.RepositoryRoot, d), "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".json.disabled", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Binary.RepositoryRoot, f))
            .Order(StringComparer.Ordinal),
    ];

    [Fact]
    public void The_files_include_the_package_configuration_the_demo_and_the_examples()
    {
        string[] files = ShippedFiles();

        Assert.Contains("packaging/socketbridge.json", files);
        Assert.Contains("packaging/bridges.d/example.json.disabled", files);
        Assert.Contains("config/demo.json", files);
        Assert.Contains("config/examples/drop-in/bridges.d/50-echo-limit.json", files);
        Assert.True(files.Length >= 14, string.Join(", ", files));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Check_accepts_the_shipped_file_with_the_files_it_is_read_with(string file)
    {
        string[] files = [.. ReadWith(file).Select(f => Path.Combine(Binary.RepositoryRoot, f))];

        CliResult result = await Fixtures.Cli.RunAsync(["check", .. files.SelectMany(f => (string[])["-c", f])], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, $"check {string.Join(' ', files)}: {result}");
        Assert.StartsWith("configuration is valid: ", result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The files <paramref name="file"/> is read with, in order: a drop-in of
    /// bridges.d/ after the main file beside that directory, as the daemon
    /// reads them; the demo with (or as root, with) its drop-in for root.
    /// </summary>
    private static IEnumerable<string> ReadWith(string file)
    {
        string directory = Path.GetDirectoryName(file)!;
        if (Path.GetFileName(directory) == "bridges.d")
        {
            yield return Path.Combine(Path.GetDirectoryName(directory)!, "socketbridge.json");
        }

        if (file == "config/demo-as-root.json")
        {
            yield return "config/demo.json";
        }

        yield return file;
        if (file == "config/demo.json" && Environment.UserName == "root")
        {
            yield return "config/demo-as-root.json";
        }
    }
}
