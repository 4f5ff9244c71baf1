using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>How names and values from a configuration file are shown in messages: control and format characters escaped, the rest as written.</summary>
[Trait("Category", "Unit")]
public sealed class PrintableTextTests
{
    [Theory]
    [InlineData("echo", "echo")]
    [InlineData("a\0b", "a\\0b")]
    [InlineData("\u001b[31mred", "\\x1b[31mred")]
    [InlineData("tab\there\r\n", "tab\\there\\r\\n")]
    [InlineData("del\u007f c1\u0085", "del\\x7f c1\\x85")]
    [InlineData("rlo\u202eevil zw\u200b", "rlo\\u202eevil zw\\u200b")]
    [InlineData("line\u2028sep", "line\\u2028sep")]
    [InlineData("caf\u00e9 \U0001F600", "caf\u00e9 \U0001F600")]
    public void Escapes_what_a_terminal_or_the_journal_would_act_on(string text, string shown)
    {
        Assert.Equal(shown, PrintableText.Escape(text));
    }

    [Fact]
    public void Half_of_a_surrogate_pair_is_escaped()
    {
        // Built in code: an attribute argument cannot carry a lone surrogate.
        string text = "lone " + (char)0xD800 + " and " + (char)0xDC00 + "!";

        Assert.Equal("lone \\ud800 and \\udc00!", PrintableText.Escape(text));
    }
}
