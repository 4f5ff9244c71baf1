using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>
/// Every configuration under config/examples is one a user can start from:
/// `socketbridge check` accepts it on this machine (as root, where the
/// tests run), says nothing on stderr, and lists every bridge it defines.
/// </summary>
public sealed class ExampleConfigurationTests
{
    private static readonly string Examples = Path.Combine(Binary.RepositoryRoot, "config", "examples");

    public static TheoryData<string> Files => [.. Directory.GetFiles(Examples, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Check_accepts_the_example_as_it_is(string file)
    {
        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", Path.Combine(Examples, file));

        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
        Assert.StartsWith("configuration is valid: ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_accepts_the_drop_in_example_with_its_drop_ins_in_name_order()
    {
        string dropIn = Path.Combine(Examples, "drop-in");
        string[] files = [Path.Combine(dropIn, "socketbridge.json"), .. Directory.GetFiles(Path.Combine(dropIn, "bridges.d"), "*.json").Order(StringComparer.Ordinal)];

        CliResult result = await Fixtures.Cli.RunAsync(["check", .. files.SelectMany(f => (string[])["-c", f])], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
    }
}
