using SocketBridge.Configuration;

namespace SocketBridge.Tests.Configuration;

/// <summary>Sizes as systemd.socket(5) takes them: bytes, or K, M, G to the base of 1024.</summary>
[Trait("Category", "Unit")]
public sealed class SizeParserTests
{
    [Theory]
    [InlineData("65536", 65536L)]
    [InlineData("64K", 65536L)]
    [InlineData("64KiB", 65536L)]
    [InlineData("4M", 4194304L)]
    [InlineData("1G", 1073741824L)]
    [InlineData(" 512B ", 512L)]
    public void A_size_is_bytes_or_a_number_with_a_binary_unit(string text, long bytes)
    {
        Assert.True(SizeParser.TryParse(text, out long value, out string error), error);
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("1.5M")]
    [InlineData("64k")]
    [InlineData("-1")]
    [InlineData("64 KB")]
    [InlineData("9999999999999G")]
    public void Anything_else_is_refused_saying_what_a_size_is(string text)
    {
        Assert.False(SizeParser.TryParse(text, out _, out string error));
        Assert.Equal($"\"{text}\" is not a size ({SizeParser.Forms})", error);
    }
}
