using System.Net;
using SocketBridge.Endpoints;
using SocketBridge.Systemd;

namespace SocketBridge.Tests.Endpoints;

/// <summary>The FDNAME= of a stored socket: valid for systemd, made from bridge and endpoint alone, one per socket.</summary>
[Trait("Category", "Unit")]
public sealed class StoredSocketNameTests
{
    [Fact]
    public void A_name_says_bridge_and_endpoint_with_the_colons_written_out()
    {
        var listen = new ListenEndpoint(Parse("tcp:127.0.0.1:8080"), [new IPEndPoint(IPAddress.Loopback, 8080)]);

        Assert.Equal("sb/web/tcp%3A127.0.0.1%3A8080", StoredSocketName.For("web", listen, 0));
        Assert.True(StoredSocketName.IsStored(StoredSocketName.For("web", listen, 0)));
        Assert.False(StoredSocketName.IsStored("echo"));
    }

    [Fact]
    public void Each_address_of_a_host_name_has_its_own_name()
    {
        var listen = new ListenEndpoint(Parse("tcp:localhost:80"), [new IPEndPoint(IPAddress.Loopback, 80), new IPEndPoint(IPAddress.IPv6Loopback, 80)]);

        string first = StoredSocketName.For("web", listen, 0), second = StoredSocketName.For("web", listen, 1);

        Assert.NotEqual(first, second);
        Assert.Equal("sb/web/tcp%3Alocalhost%3A80/127.0.0.1%3A80", first);
        Assert.True(FileDescriptorStore.IsValidName(second), second);
    }

    [Fact]
    public void A_long_name_is_cut_to_what_systemd_takes_and_still_tells_two_apart()
    {
        string bridge = new('b', 250);
        var a = new ListenEndpoint(Parse("unix:/run/a.sock"));
        var b = new ListenEndpoint(Parse("unix:/run/b.sock"));

        string nameA = StoredSocketName.For(bridge, a, 0), nameB = StoredSocketName.For(bridge, b, 0);

        Assert.True(FileDescriptorStore.IsValidName(nameA), nameA);
        Assert.Equal(FileDescriptorStore.MaxNameLength, nameA.Length);
        Assert.NotEqual(nameA, nameB);
        Assert.Equal(nameA, StoredSocketName.For(bridge, a, 0));
    }

    private static Endpoint Parse(string text) =>
        EndpointParser.TryParseListen(text, out Endpoint? endpoint, out string error) ? endpoint! : throw new ArgumentException(error);

    [Fact]
    public void Systemd_refuses_colons_control_characters_and_overlong_names()
    {
        Assert.True(FileDescriptorStore.IsValidName("sb/web/tcp%3A127.0.0.1%3A80"));
        Assert.False(FileDescriptorStore.IsValidName("tcp:127.0.0.1:80"));
        Assert.False(FileDescriptorStore.IsValidName("a\nb"));
        Assert.False(FileDescriptorStore.IsValidName("é"));
        Assert.False(FileDescriptorStore.IsValidName(new string('a', 256)));
    }
}
