using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>only_from and no_access entries (xinetd.conf(5)) as CIDR ranges.</summary>
[Trait("Category", "Unit")]
public sealed class XinetdAddressTests
{
    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("128.138.12.0", "128.138.12.0/24")]
    [InlineData("10.1.0.0", "10.1.0.0/16")]
    [InlineData("10.0.0.0", "10.0.0.0/8")]
    [InlineData("0.0.0.0", "0.0.0.0/0 ::/0")]
    [InlineData("192.0.2.77/24", "192.0.2.0/24")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("128.138.{12,13}", "128.138.12.0/24 128.138.13.0/24")]
    [InlineData("10.1.2.{3,4}", "10.1.2.3/32 10.1.2.4/32")]
    [InlineData("localhost", "127.0.0.1/32 ::1/128")]
    public void Addresses_networks_factorized_lists_and_ranges_become_CIDR_ranges(string entry, string expected)
    {
        Assert.True(XinetdAddress.TryTranslate(entry, out IReadOnlyList<string> ranges, out string error), error);
        Assert.Equal(expected.Split(' '), ranges);
    }

    [Theory]
    [InlineData("www.example.com", "is a host or network name")]
    [InlineData("loopback", "is a host or network name")]
    [InlineData(".example.com", "is a domain")]
    [InlineData("10.1", "is a host or network name")]
    [InlineData("10.1.{2,300}", "is not a factorized IPv4 address")]
    [InlineData("{1,2}", "is not a factorized IPv4 address")]
    [InlineData("10.0.0.0/33", "is not an address range")]
    [InlineData("fe80::1%eth0", "is a host or network name")]
    public void Names_and_malformed_entries_are_not_translated_and_say_why(string entry, string why)
    {
        Assert.False(XinetdAddress.TryTranslate(entry, out IReadOnlyList<string> ranges, out string error));
        Assert.Empty(ranges);
        Assert.StartsWith($"{entry} {why}", error, StringComparison.Ordinal);
    }
}
