using System.Net;
using SocketBridge.Access;
using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Access;

[Trait("Category", "Unit")]
public sealed class CidrRangeTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.7", "192.0.2.8", false)]
    [InlineData("192.0.2.128/25", "192.0.2.200", true)]
    [InlineData("192.0.2.128/25", "192.0.2.100", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("2001:db8::/32", "2001:db8:1::5", true)]
    [InlineData("2001:db8::/32", "2001:db9::5", false)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)]
    [InlineData("::ffff:10.0.0.0/104", "10.1.2.3", true)]
    [InlineData("::1", "127.0.0.1", false)]
    [InlineData("127.0.0.1", "::1", false)]
    public void A_range_contains_exactly_its_addresses_and_mapped_ipv4_counts_as_ipv4(string range, string client, bool contained)
    {
        Assert.True(CidrRange.TryParse(range, out CidrRange parsed, out string error), error);

        Assert.Equal(contained, parsed.Contains(IPAddress.Parse(client)));
    }

    [Theory]
    [InlineData("10.0.0.1/8", "\"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)")]
    [InlineData("10.0.0.0/33", "\"10.0.0.0/33\" has an invalid prefix length (0 to 32)")]
    [InlineData("10.0.0.0/", "\"10.0.0.0/\" has an invalid prefix length (0 to 32)")]
    [InlineData("example.com", "\"example.com\" is not an address or CIDR range (as \"192.0.2.0/24\" or \"2001:db8::/32\")")]
    [InlineData("fe80::1%eth0", "\"fe80::1%eth0\" is not an address or CIDR range (as \"192.0.2.0/24\" or \"2001:db8::/32\")")]
    public void A_bad_range_says_why(string text, string expected)
    {
        Assert.False(CidrRange.TryParse(text, out _, out string error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Deny_wins_over_allow()
    {
        Assert.True(CidrRange.TryParse("10.0.0.0/8", out CidrRange all, out _));
        Assert.True(CidrRange.TryParse("10.6.6.6", out CidrRange one, out _));
        var policy = new AccessPolicy([all], [one], new HashSet<uint>(), new HashSet<uint>());

        Assert.Null(policy.Refusal(new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse("10.1.1.1"), 1) }));
        Assert.Equal("denied by DenyFrom 10.6.6.6/32", policy.Refusal(new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse("10.6.6.6"), 1) }));
        Assert.Equal("not in AllowFrom", policy.Refusal(new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 1) }));
        Assert.Equal("the client's address is unknown", policy.Refusal(new PeerInfo()));
    }
}
