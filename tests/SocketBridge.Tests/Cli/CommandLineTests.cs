using System.Text.RegularExpressions;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>SPEC 2: --help, --version, and bad usage as exit 64.</summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        CliResult result = await Fixtures.Cli.RunAsync(["--version"], Deadline);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(new Regex(@"^\d+\.\d+\.\d+\S*\n?$"), result.Stdout);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_exits_0_and_lists_run_check_and_serve(string option)
    {
        CliResult result = await Fixtures.Cli.RunAsync([option], Deadline);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n');
        foreach (string command in (string[])["run", "check", "serve"])
        {
            Assert.Contains(lines, l => Regex.IsMatch(l, $@"^\s+{command}\b"));
        }
    }

    [Theory]
    [InlineData("run")]
    [InlineData("check")]
    public async Task Help_of_a_command_that_reads_configuration_shows_the_c_option(string command)
    {
        CliResult result = await Fixtures.Cli.RunAsync([command, "--help"], Deadline);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("-c", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--config", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_is_bad_usage_naming_it()
    {
        CliResult result = await Fixtures.Cli.RunAsync(["frobnicate"], Deadline);

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Contains("frobnicate", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--frobnicate")]
    [InlineData("check --frobnicate")]
    [InlineData("run -x")]
    [InlineData("check -c")]
    public async Task An_unknown_option_or_a_missing_value_is_bad_usage(string arguments)
    {
        CliResult result = await Fixtures.Cli.RunAsync(arguments.Split(' '), Deadline);

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.NotEqual(string.Empty, result.Stderr);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_command_at_all_is_bad_usage()
    {
        CliResult result = await Fixtures.Cli.RunAsync([], Deadline);

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.NotEqual(string.Empty, result.Stderr);
    }
}
