using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>SPEC 3: SocketMode is an octal string, as chmod takes it.</summary>
[Trait("Category", "Unit")]
public sealed class OctalModeParserTests
{
    [Theory]
    [InlineData("0660", 0x1B0u)]
    [InlineData("660", 0x1B0u)]
    [InlineData("0600", 0x180u)]
    [InlineData("0666", 0x1B6u)]
    [InlineData("777", 0x1FFu)]
    [InlineData("0000", 0u)]
    [InlineData("1777", 0x3FFu)]
    [InlineData("07777", 0xFFFu)]
    public void A_mode_is_read_as_octal_with_or_without_the_leading_zero(string text, uint mode)
    {
        Assert.True(OctalModeParser.TryParse(text, out uint parsed, out string error), error);
        Assert.Equal(mode, parsed);
    }

    [Theory]
    [InlineData("0o660")]
    [InlineData("0x1b0")]
    [InlineData("999")]
    [InlineData("0680")]
    [InlineData("rw-rw----")]
    [InlineData("66")]
    [InlineData("-660")]
    [InlineData(" 660")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_but_octal_digits_is_refused_showing_the_expected_form(string? text)
    {
        Assert.False(OctalModeParser.TryParse(text, out uint mode, out string error), $"\"{text}\" was accepted as {mode}");
        Assert.Contains("not an octal mode", error, StringComparison.Ordinal);
        Assert.Contains("\"0660\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mode_with_more_than_the_permission_bits_is_refused()
    {
        Assert.False(OctalModeParser.TryParse("77777", out _, out string error));
        Assert.Contains("larger than 07777", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x1B0u, "0660")]
    [InlineData(0x180u, "0600")]
    [InlineData(0u, "0000")]
    [InlineData(0x3FFu, "01777")]
    public void A_mode_is_shown_in_the_octal_form_users_write(uint mode, string text)
    {
        Assert.Equal(text, OctalModeParser.Format(mode));
        Assert.True(OctalModeParser.TryParse(OctalModeParser.Format(mode), out uint back, out _));
        Assert.Equal(mode, back);
    }
}
