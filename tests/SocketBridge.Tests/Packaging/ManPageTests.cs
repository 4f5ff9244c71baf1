using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// socketbridge(8) and socketbridge.json(5), as `make install` and the
/// package ship them: both formatters read them without a single warning.
/// </summary>
public sealed class ManPageTests
{
    public static TheoryData<string> Pages => ["socketbridge.8", "socketbridge.json.5"];

    private static string PagePath(string page) => Path.Combine(Binary.RepositoryRoot, "docs", "man", page);

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Groff_formats_the_page_without_a_warning(string page)
    {
        // -ww: every warning; -z: no output but the diagnostics.
        CliResult groff = await Tools.RunAsync("groff", ["-ww", "-z", "-man", "-Tutf8", PagePath(page)]);

        Assert.True(groff.ExitCode == 0 && groff.Stdout.Length == 0 && groff.Stderr.Length == 0, groff.ToString());
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Mandoc_lints_the_page_without_a_word_even_of_style(string page)
    {
        CliResult mandoc = await Tools.RunAsync("mandoc", ["-T", "lint", "-W", "style", PagePath(page)]);

        Assert.True(mandoc.ExitCode == 0 && mandoc.Stdout.Length == 0 && mandoc.Stderr.Length == 0, mandoc.ToString());
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void The_page_is_ascii_with_the_roff_escapes_for_anything_else(string page)
    {
        byte[] bytes = File.ReadAllBytes(PagePath(page));

        Assert.True(bytes.All(b => b is (>= 0x20 and < 0x7f) or (byte)'\n'), $"{page} has a byte that is not printable ASCII");
    }

    [Fact]
    public async Task Socketbridge_8_documents_every_command_and_option_the_program_knows()
    {
        CliResult text = await Tools.RunOkAsync("groff", "-man", "-Tascii", "-P-cbou", PagePath("socketbridge.8"));
        string commands = Between(text.Stdout, "COMMANDS", "OPTIONS");
        string options = Between(text.Stdout, "OPTIONS", "EXIT STATUS");

        foreach (string command in await CommandHelp.CommandsAsync())
        {
            Assert.Matches($@"(?m)^       {command}\b", commands);
            foreach (string option in await CommandHelp.OptionsAsync(command))
            {
                Assert.Contains(option, options, StringComparison.Ordinal);
            }
        }

        foreach (string format in await CommandHelp.SubcommandsAsync("import"))
        {
            Assert.Contains($"import {format}", commands, StringComparison.Ordinal);
        }

        Assert.All(await CommandHelp.OptionsAsync(), o => Assert.Contains(o, options, StringComparison.Ordinal));
    }

    /// <summary>The text of a formatted page from the section headed <paramref name="from"/> to the one headed <paramref name="to"/>.</summary>
    private static string Between(string text, string from, string to)
    {
        int start = text.IndexOf("\n" + from + "\n", StringComparison.Ordinal);
        int end = text.IndexOf("\n" + to + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"the page has the sections {from} and {to}, in that order");
        return text[start..end];
    }
}
