using SocketBridge.Import;

namespace SocketBridge.Tests.Import;

/// <summary>socket-event(7): the listening socket of a start on socket, as an endpoint (SPEC 4).</summary>
[Trait("Category", "Unit")]
public sealed class SocketEventTranslatorTests
{
    [Theory]
    [InlineData("PROTO=inet PORT=80 ADDR=127.0.0.1", "tcp:127.0.0.1:80")]
    [InlineData("PROTO=inet PORT=8080", "tcp:0.0.0.0:8080")]
    [InlineData("PROTO=inet6 PORT=80 ADDR=::1", "tcp:[::1]:80")]
    [InlineData("PROTO=inet6 PORT=443", "tcp:[::]:443")]
    [InlineData("PROTO=unix SOCKET_PATH=/var/run/.s.pgsql.1234", "unix:/var/run/.s.pgsql.1234")]
    [InlineData("PROTO=unix SOCKET_PATH=@/at/upstart/example", "unix:@/at/upstart/example")]
    [InlineData("PORT=80 PROTO=inet", "tcp:0.0.0.0:80")]
    public void The_socket_event_examples_become_endpoints(string arguments, string endpoint)
    {
        Assert.True(SocketEventTranslator.TryTranslate(Socket(arguments), out string translated, out string error, out bool older), error);

        Assert.Equal(endpoint, translated);
        Assert.False(older);
    }

    [Fact]
    public void The_older_PATH_spelling_is_a_unix_socket_too_and_is_flagged()
    {
        Assert.True(SocketEventTranslator.TryTranslate(Socket("PROTO=unix PATH=/var/run/foo.sock"), out string endpoint, out string error, out bool older), error);

        Assert.Equal("unix:/var/run/foo.sock", endpoint);
        Assert.True(older);
    }

    [Theory]
    [InlineData("PORT=80", "it has no PROTO= (inet, inet6 or unix)")]
    [InlineData("PROTO=tcp PORT=80", "PROTO=tcp is not inet, inet6 or unix")]
    [InlineData("PROTO=inet", "PROTO=inet needs PORT=")]
    [InlineData("PROTO=inet PORT=http", "PORT=http is not a port (1 to 65535)")]
    [InlineData("PROTO=inet PORT=70000", "PORT=70000 is not a port (1 to 65535)")]
    [InlineData("PROTO=inet PORT=80 ADDR=::1", "ADDR=::1 is not an IPv4 address")]
    [InlineData("PROTO=inet6 PORT=80 ADDR=127.0.0.1", "ADDR=127.0.0.1 is not an IPv6 address")]
    [InlineData("PROTO=inet PORT=80 ADDR=localhost", "ADDR=localhost is not an IPv4 address")]
    [InlineData("PROTO=inet PORT=8*", "PORT=8*: a pattern cannot name a socket")]
    [InlineData("PROTO=inet PORT!=80", "PORT!=80: a socket is named by KEY=VALUE, not by what it is not")]
    [InlineData("PROTO=unix", "PROTO=unix needs SOCKET_PATH=")]
    [InlineData("PROTO=unix SOCKET_PATH=run/x.sock", "SOCKET_PATH=run/x.sock is neither an absolute path nor an @abstract name")]
    [InlineData("PROTO=unix SOCKET_PATH=/a PATH=/b", "it gives both SOCKET_PATH= and the older PATH=")]
    [InlineData("PROTO=unix SOCKET_PATH=/a PORT=80", "PORT= and ADDR= do not go with PROTO=unix")]
    [InlineData("PROTO=inet PORT=80 PORT=81", "PORT= is given twice")]
    [InlineData("PROTO=inet PORT=80 IFACE=eth0", "IFACE= is not a variable of the socket event (PROTO, PORT, ADDR, SOCKET_PATH)")]
    [InlineData("inet 80", "\"inet\" is not KEY=VALUE (upstart-socket-bridge reads only PROTO=, PORT=, ADDR= and SOCKET_PATH=)")]
    public void A_socket_event_that_names_no_single_socket_says_why(string arguments, string error)
    {
        Assert.False(SocketEventTranslator.TryTranslate(Socket(arguments), out _, out string why, out _));

        Assert.Equal(error, why);
    }

    [Fact]
    public void A_path_too_long_for_a_unix_socket_is_refused_by_the_endpoint_parser()
    {
        string path = "/" + new string('x', 120);

        Assert.False(SocketEventTranslator.TryTranslate(Socket($"PROTO=unix SOCKET_PATH={path}"), out _, out string why, out _));

        Assert.Contains("107 bytes", why, StringComparison.Ordinal);
    }

    private static UpstartEvent Socket(string arguments) => new("socket", arguments.Split(' '));
}
