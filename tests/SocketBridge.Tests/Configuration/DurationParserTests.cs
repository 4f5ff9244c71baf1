using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>SPEC 3: durations are hh:mm:ss or a number with a unit.</summary>
[Trait("Category", "Unit")]
public sealed class DurationParserTests
{
    [Theory]
    [InlineData("00:00:10", 10_000)]
    [InlineData("00:01:00", 60_000)]
    [InlineData("01:02:03", 3_723_000)]
    [InlineData("00:00:00.5", 500)]
    [InlineData("00:00:00", 0)]
    public void A_duration_can_be_written_as_hh_mm_ss(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Parse(text));
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2min", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("0s", 0)]
    public void A_duration_can_be_written_as_a_number_with_a_unit(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Parse(text));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("1.5")]
    public void A_number_without_a_unit_is_refused_rather_than_guessed(string text)
    {
        string error = Refuse(text);

        Assert.Contains("needs a unit", error, StringComparison.Ordinal);
        Assert.Contains($"\"{text}\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5x", "x")]
    [InlineData("5 weeks", "weeks")]
    [InlineData("10S", "S")]
    public void An_unknown_unit_is_refused_naming_it(string text, string unit)
    {
        Assert.Contains($"unknown unit \"{unit}\"", Refuse(text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-5s")]
    [InlineData("-00:00:05")]
    [InlineData("ten seconds")]
    [InlineData("s")]
    [InlineData("00:00:60")]
    [InlineData("00:61:00")]
    [InlineData("1:2")]
    [InlineData("00:00:xx")]
    public void A_negative_or_garbled_duration_is_refused_showing_the_accepted_forms(string text)
    {
        string error = Refuse(text);

        Assert.Contains($"\"{text}\"", error, StringComparison.Ordinal);
        Assert.Contains("hh:mm:ss", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    public void An_empty_duration_is_refused(string? text)
    {
        Assert.StartsWith("is empty", Refuse(text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_duration_of_more_than_a_year_is_refused()
    {
        Assert.Contains("longer than a year", Refuse("400d"), StringComparison.Ordinal);
    }

    private static TimeSpan Parse(string text)
    {
        bool parsed = DurationParser.TryParse(text, out TimeSpan value, out string error);
        Assert.True(parsed, $"{text}: {error}");
        return value;
    }

    private static string Refuse(string? text)
    {
        bool parsed = DurationParser.TryParse(text, out TimeSpan value, out string error);
        Assert.False(parsed, $"\"{text}\" was accepted as {value}");
        return error;
    }
}
