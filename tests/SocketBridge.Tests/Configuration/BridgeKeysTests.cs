using System.Net;
using System.Text.RegularExpressions;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Tests.Architecture;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// The table of bridge keys is the one list: the README documents exactly
/// its keys, its socket options are the ones the binders know, and what it
/// says a socket option applies to is what the binders apply it to.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class BridgeKeysTests
{
    [Fact]
    public void The_readme_bridge_key_table_documents_every_key_of_the_table_and_no_other()
    {
        string readme = File.ReadAllText(Path.Combine(FolderDependencies.SourceRoot, "..", "..", "README.md"));
        int start = readme.IndexOf("\n### Bridge keys\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no ### Bridge keys section");
        int end = readme.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        string section = readme[start..end];

        // The first cell of each row names one key or several: | `SocketUser`, `SocketGroup` | ... |
        var documented = new List<string>();
        foreach (Match row in TableRow().Matches(section))
        {
            documented.AddRange(KeyName().Matches(row.Groups[1].Value).Select(m => m.Groups[1].Value));
        }

        Assert.Equal(BridgeKeys.Names.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Names_are_unique_and_found_case_sensitively()
    {
        Assert.Equal(BridgeKeys.Names.Count, BridgeKeys.Names.Distinct(StringComparer.Ordinal).Count());
        Assert.Same(BridgeKeys.Target, BridgeKeys.Find("Target"));
        Assert.Null(BridgeKeys.Find("target"));
        Assert.Null(BridgeKeys.Find("Bogus"));
    }

    [Fact]
    public void The_socket_options_of_the_table_are_the_binders_in_their_order()
    {
        Assert.Equal(SocketOptionScope.Keys, BridgeKeys.SocketOptions.Select(k => k.Name));
    }

    [Theory]
    [InlineData("tcp:127.0.0.1:80", EndpointKinds.Tcp)]
    [InlineData("tcp:[::1]:80", EndpointKinds.Tcp)]
    [InlineData("udp:127.0.0.1:53", EndpointKinds.Udp)]
    [InlineData("unix:/run/x.sock", EndpointKinds.Unix)]
    [InlineData("unix:@x", EndpointKinds.Unix)]
    [InlineData("unix-dgram:/run/x.sock", EndpointKinds.UnixDgram)]
    [InlineData("unix-seqpacket:/run/x.sock", EndpointKinds.UnixSeqpacket)]
    [InlineData("fifo:/run/x.fifo", EndpointKinds.Fifo)]
    public void A_socket_option_applies_to_a_kind_the_table_names_when_the_binders_apply_it_to_such_a_socket(string text, EndpointKinds kind)
    {
        Assert.True(EndpointParser.TryParse(text, out Endpoint? endpoint, out string error), error);
        Assert.Equal(kind, EndpointKind.Of(endpoint!));
        IReadOnlyList<IPEndPoint> addresses = endpoint is InetEndpoint inet ? [new IPEndPoint(IPAddress.Parse(inet.Host.Trim('[', ']')), inet.Port)] : [];
        var listen = new ListenEndpoint(endpoint!, addresses);
        SocketShape[] shapes = [.. SocketShape.Of(listen)!];
        foreach (BridgeKey key in BridgeKeys.SocketOptions.Where(k => k.Name != "BindIPv6Only"))
        {
            Assert.True(key.AppliesTo(kind) == shapes.Any(s => SocketOptionScope.AppliesTo(key.Name, s)), $"{key.Name} on {text}");
        }
    }

    [Fact]
    public void A_passed_socket_takes_the_socket_options_that_can_be_set_once_it_is_bound()
    {
        foreach (BridgeKey key in BridgeKeys.SocketOptions)
        {
            Assert.Equal(!SocketOptionScope.IsBindTime(key.Name), key.AppliesTo(EndpointKinds.Systemd));
            Assert.Equal(!SocketOptionScope.IsBindTime(key.Name), key.AppliesTo(EndpointKinds.Launchd));
        }
    }

    [Fact]
    public void Socket_file_keys_apply_to_an_endpoint_with_a_file_only()
    {
        Assert.True(BridgeKeys.SocketMode.AppliesTo(new ListenEndpoint(new UnixEndpoint("/run/x.sock"))));
        Assert.True(BridgeKeys.SocketUser.AppliesTo(new ListenEndpoint(new FifoEndpoint("/run/x.fifo"))));
        Assert.False(BridgeKeys.SocketGroup.AppliesTo(new ListenEndpoint(new UnixEndpoint("@x"))));
        Assert.False(BridgeKeys.SocketMode.AppliesTo(new ListenEndpoint(new SystemdEndpoint("web"))));
    }

    [GeneratedRegex(@"^\| ([^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"`([A-Za-z0-9]+)`")]
    private static partial Regex KeyName();
}
