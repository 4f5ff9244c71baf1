using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>An exec line as an argv: split like a shell when that is all a shell would do, else run by /bin/sh.</summary>
[Trait("Category", "Unit")]
public sealed class ExecCommandTests
{
    [Theory]
    [InlineData("/usr/bin/foo", new[] { "/usr/bin/foo" })]
    [InlineData("/usr/bin/foo  --port=80\t-v", new[] { "/usr/bin/foo", "--port=80", "-v" })]
    [InlineData("/bin/sh -c 'echo hi; cat'", new[] { "/bin/sh", "-c", "echo hi; cat" })]
    [InlineData("/usr/bin/foo \"two words\" 'it''s' x\"y\"z", new[] { "/usr/bin/foo", "two words", "its", "xyz" })]
    [InlineData("/usr/bin/foo ''", new[] { "/usr/bin/foo", "" })]
    public void A_command_with_simple_quoting_is_split_as_a_shell_would(string command, string[] argv)
    {
        Assert.True(ExecCommand.TryTranslate(command, out IReadOnlyList<string> translated, out string error), error);

        Assert.Equal(argv, translated);
    }

    [Theory]
    [InlineData("/usr/bin/foo $OPTS")]
    [InlineData("/usr/bin/foo \"$OPTS\"")]
    [InlineData("/usr/bin/foo > /var/log/foo.log 2>&1")]
    [InlineData("/usr/bin/foo | logger")]
    [InlineData("/usr/bin/foo; echo done")]
    [InlineData("/usr/bin/foo *.conf")]
    [InlineData("/usr/bin/foo ~/x")]
    [InlineData("/usr/bin/foo `hostname`")]
    [InlineData("/usr/bin/foo a\\ b")]
    [InlineData("LANG=C /usr/bin/foo")]
    public void A_command_that_needs_a_shell_is_run_by_sh_which_execs_it(string command)
    {
        Assert.True(ExecCommand.TryTranslate(command, out IReadOnlyList<string> argv, out string error), error);

        Assert.Equal(["/bin/sh", "-e", "-c", $"exec {command}"], argv);
    }

    [Theory]
    [InlineData("/usr/bin/foo 'open", "a ' quote is not closed")]
    [InlineData("/usr/bin/foo \"open", "a \" quote is not closed")]
    [InlineData("   ", "names no program")]
    public void A_command_that_cannot_run_says_why(string command, string error)
    {
        Assert.False(ExecCommand.TryTranslate(command, out _, out string why));

        Assert.Equal(error, why);
    }
}
