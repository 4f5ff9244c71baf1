using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// packaging/bash-completion/socketbridge, as the package installs it: sourced
/// in a real bash, its function called as bash calls it (COMP_WORDS,
/// COMP_CWORD), offers what the program's own --help lists.
/// </summary>
public sealed class BashCompletionTests : IDisposable
{
    private static readonly string Script = Path.Combine(Binary.RepositoryRoot, "packaging", "bash-completion", "socketbridge");

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task The_first_word_is_a_command_of_the_program_or_a_global_option()
    {
        string[] expected = [.. await CommandHelp.CommandsAsync(), .. (await CommandHelp.OptionsAsync()).Where(o => o.StartsWith("--", StringComparison.Ordinal))];

        Assert.Equal(expected.Order(StringComparer.Ordinal), (await CompleteAsync("socketbridge", "")).Order(StringComparer.Ordinal));
        Assert.Equal(["reexec", "reload"], (await CompleteAsync("socketbridge", "re")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_command_offers_the_options_its_help_lists()
    {
        foreach (string command in (await CommandHelp.CommandsAsync()).Where(c => c != "import"))
        {
            string[] options = await CommandHelp.OptionsAsync(command);

            Assert.Equal(options.Order(StringComparer.Ordinal), (await CompleteAsync("socketbridge", command, "-")).Order(StringComparer.Ordinal));
        }

        string[] formats = [.. (await CommandHelp.SubcommandsAsync("import")).Order(StringComparer.Ordinal), "--help"];
        string[] offered = await CompleteAsync("socketbridge", "import", "");
        Assert.Equal(formats, offered);
    }

    [Fact]
    public async Task A_configuration_file_is_a_json_file_or_a_directory_on_the_way_to_one()
    {
        _directory.Write("a.json", "{}");
        _directory.Write("b.json.disabled", "{}");
        _directory.Write("notes.txt", "");
        Directory.CreateDirectory(_directory["bridges.d"]);
        string prefix = _directory.Path + "/";

        string[] offered = await CompleteAsync("socketbridge", "check", "-c", prefix);
        string[] afterOther = await CompleteAsync("socketbridge", "status", "--json", "--config", prefix + "a");

        Assert.Equal([prefix + "a.json", prefix + "bridges.d"], offered.Order(StringComparer.Ordinal));
        Assert.Equal([prefix + "a.json"], afterOther);
    }

    [Fact]
    public async Task Serve_completes_users_and_after_the_double_dash_a_program()
    {
        Assert.Contains("root", await CompleteAsync("socketbridge", "serve", "--user", "roo"));
        Assert.Contains("cat", await CompleteAsync("socketbridge", "serve", "-u", "nobody", "tcp:127.0.0.1:7000", "--", "ca"));
    }

    /// <summary>What the completion offers for the last of <paramref name="words"/>, the word being typed.</summary>
    private static async Task<string[]> CompleteAsync(params string[] words)
    {
        // The words as bash would split the command line, passed as arguments so that nothing is quoted by hand.
        const string Driver = """
            source "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
            _socketbridge
            [ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
            """;
        CliResult bash = await Tools.RunAsync("bash", ["--norc", "--noprofile", "-c", Driver, "bash", Script, .. words]);

        Assert.True(bash.ExitCode == 0 && bash.Stderr.Length == 0, bash.ToString());
        return bash.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
