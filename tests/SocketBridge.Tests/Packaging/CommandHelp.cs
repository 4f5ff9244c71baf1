using System.Text.RegularExpressions;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>The commands and options the program's own --help lists, which its manual page and completion must know.</summary>
public static partial class CommandHelp
{
    /// <summary>The commands of `socketbridge --help`, in its order.</summary>
    public static async Task<string[]> CommandsAsync() => Section((await Help()).Stdout, "Commands:").Select(FirstWord).ToArray();

    /// <summary>The options of `socketbridge <paramref name="command"/> --help` (or of the program itself), -? left out.</summary>
    public static async Task<string[]> OptionsAsync(string? command = null) =>
        [.. Section((await Help(command)).Stdout, "Options:")
            .SelectMany(line => OptionName().Matches(line.Split("  ", 2, StringSplitOptions.TrimEntries)[0]).Select(m => m.Value))
            .Where(o => o != "-?")];

    /// <summary>The subcommands of `socketbridge <paramref name="command"/> --help`.</summary>
    public static async Task<string[]> SubcommandsAsync(string command) => Section((await Help(command)).Stdout, "Commands:").Select(FirstWord).ToArray();

    private static async Task<CliResult> Help(string? command = null)
    {
        CliResult help = await Fixtures.Cli.RunAsync(command is null ? ["--help"] : [command, "--help"]);
        Assert.True(help.ExitCode == 0, help.ToString());
        return help;
    }

    /// <summary>The indented lines under <paramref name="heading"/>, up to the next blank line.</summary>
    private static IEnumerable<string> Section(string help, string heading) =>
        help.Split('\n').SkipWhile(l => l.Trim() != heading).Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim());

    private static string FirstWord(string line) => line.Split(' ', 2)[0];

    [GeneratedRegex(@"--?[A-Za-z?][A-Za-z-]*")]
    private static partial Regex OptionName();
}
