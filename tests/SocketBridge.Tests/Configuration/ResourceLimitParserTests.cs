using SocketBridge.Configuration;
using SocketBridge.Native;

namespace SocketBridge.Tests.Configuration;

/// <summary>Limit* values (the unit by name: ResourceUnit is internal) as systemd.exec(5) writes them: one value, "SOFT:HARD", "infinity", sizes with K, M, G.</summary>
[Trait("Category", "Unit")]
public sealed class ResourceLimitParserTests
{
    private const ulong Infinity = ResourceLimit.Infinity;

    [Theory]
    [InlineData("64", "Count", 64UL, 64UL)]
    [InlineData("0", "Count", 0UL, 0UL)]
    [InlineData("64:128", "Count", 64UL, 128UL)]
    [InlineData(" 64 : 128 ", "Count", 64UL, 128UL)]
    [InlineData("infinity", "Count", Infinity, Infinity)]
    [InlineData("64:infinity", "Count", 64UL, Infinity)]
    [InlineData("10:15", "Seconds", 10UL, 15UL)]
    [InlineData("4096", "Bytes", 4096UL, 4096UL)]
    [InlineData("64K", "Bytes", 65536UL, 65536UL)]
    [InlineData("256M", "Bytes", 268435456UL, 268435456UL)]
    [InlineData("1G", "Bytes", 1073741824UL, 1073741824UL)]
    [InlineData("64M:1G", "Bytes", 67108864UL, 1073741824UL)]
    [InlineData("8M:infinity", "Bytes", 8388608UL, Infinity)]
    [InlineData("infinity", "Bytes", Infinity, Infinity)]
    public void A_value_is_one_limit_for_both_or_soft_and_hard(string text, string unitName, ulong soft, ulong hard)
    {
        ResourceUnit unit = Enum.Parse<ResourceUnit>(unitName);
        Assert.True(ResourceLimitParser.TryParse(text, ResourceKind.AddressSpace, unit, out ResourceLimit limit, out string error), error);
        Assert.Equal(new ResourceLimit(ResourceKind.AddressSpace, soft, hard), limit);
    }

    [Theory]
    [InlineData("", "Count")]
    [InlineData(":", "Count")]
    [InlineData("12Q", "Count")]
    [InlineData("64K", "Count")] // a size suffix on a count (LimitNPROC, LimitNOFILE)
    [InlineData("10s", "Seconds")]
    [InlineData("1.5", "Seconds")]
    [InlineData("-1", "Count")]
    [InlineData("1:2:3", "Count")]
    [InlineData("Infinity", "Count")]
    [InlineData("unlimited", "Count")]
    [InlineData("1000000000000000000", "Count")]
    [InlineData("64k", "Bytes")]
    [InlineData("1G:2Q", "Bytes")]
    [InlineData("1T", "Bytes")]
    public void Anything_else_is_refused_naming_the_forms(string text, string unitName)
    {
        ResourceUnit unit = Enum.Parse<ResourceUnit>(unitName);
        Assert.False(ResourceLimitParser.TryParse(text, ResourceKind.Processes, unit, out _, out string error));
        Assert.Equal($"\"{text}\" is not a limit (expected {ResourceLimitParser.Forms(unit)})", error);
    }

    [Theory]
    [InlineData("5:3", "Count")]
    [InlineData("infinity:64", "Count")]
    [InlineData("8M:4M", "Bytes")]
    public void A_soft_limit_above_the_hard_one_is_refused(string text, string unitName)
    {
        ResourceUnit unit = Enum.Parse<ResourceUnit>(unitName);
        Assert.False(ResourceLimitParser.TryParse(text, ResourceKind.Stack, unit, out _, out string error));
        Assert.Equal($"\"{text}\": the soft limit is above the hard one", error);
    }

    [Theory]
    [InlineData("infinity")]
    [InlineData("1024:infinity")]
    public void An_infinite_open_files_limit_is_refused_and_other_kinds_take_it(string text)
    {
        Assert.False(ResourceLimitParser.TryParse(text, ResourceKind.OpenFiles, ResourceUnit.Count, out _, out string error));
        Assert.StartsWith($"\"{text}\": the kernel takes no infinite open-file limit", error);
        Assert.True(ResourceLimitParser.TryParse(text, ResourceKind.Processes, ResourceUnit.Count, out _, out error), error);
    }

    [Fact]
    public void Each_unit_names_its_own_forms()
    {
        Assert.Contains("K, M or G", ResourceLimitParser.Forms(ResourceUnit.Bytes));
        Assert.Contains("CPU seconds", ResourceLimitParser.Forms(ResourceUnit.Seconds));
        Assert.DoesNotContain("K, M or G", ResourceLimitParser.Forms(ResourceUnit.Count));
    }
}
