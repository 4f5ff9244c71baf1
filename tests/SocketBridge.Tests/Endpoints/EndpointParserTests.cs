using SocketBridge.Endpoints;

namespace SocketBridge.Tests.Endpoints;

/// <summary>SPEC 4: every endpoint form a configuration can name, and the mistakes people make writing them.</summary>
[Trait("Category", "Unit")]
public sealed class EndpointParserTests
{
    [Fact]
    public void An_IPv4_address_and_port_is_a_tcp_endpoint()
    {
        Endpoint endpoint = Parse("tcp:127.0.0.1:8080");

        Assert.Equal(new TcpEndpoint("127.0.0.1", 8080), endpoint);
    }

    [Fact]
    public void An_IPv6_address_goes_in_brackets_and_is_kept_without_them()
    {
        var tcp = Assert.IsType<TcpEndpoint>(Parse("tcp:[::1]:8080"));

        Assert.Equal("::1", tcp.Host);
        Assert.Equal(8080, tcp.Port);
        Assert.False(tcp.IsAnyAddress);
    }

    [Theory]
    [InlineData("tcp:localhost:80", "localhost", 80)]
    [InlineData("tcp:my-host.example.com:443", "my-host.example.com", 443)]
    [InlineData("tcp:db_1.internal:65535", "db_1.internal", 65535)]
    public void A_host_name_is_kept_to_be_resolved_when_the_configuration_is_loaded(string text, string host, int port)
    {
        Assert.Equal(new TcpEndpoint(host, port), Parse(text));
    }

    [Fact]
    public void A_star_listens_on_every_address()
    {
        var tcp = Assert.IsType<TcpEndpoint>(Parse("tcp:*:1"));

        Assert.True(tcp.IsAnyAddress);
        Assert.Equal(1, tcp.Port);
    }

    [Theory]
    [InlineData("udp:127.0.0.1:69", "127.0.0.1", 69)]
    [InlineData("udp:[::1]:6969", "::1", 6969)]
    [InlineData("udp:*:53", "*", 53)]
    [InlineData("udp:tftp.example.com:69", "tftp.example.com", 69)]
    public void A_udp_endpoint_takes_a_host_as_tcp_does_and_prints_as_written(string text, string host, int port)
    {
        var udp = Assert.IsType<UdpEndpoint>(Parse(text));

        Assert.Equal((host, port, host == "*"), (udp.Host, udp.Port, udp.IsAnyAddress));
        Assert.Equal(text, udp.ToString());
        Assert.NotEqual<Endpoint>(new TcpEndpoint(host, port), udp);
    }

    [Theory]
    [InlineData("unix-dgram:/run/log.sock", "/run/log.sock", System.Net.Sockets.SocketType.Dgram)]
    [InlineData("unix-dgram:@syslog", "@syslog", System.Net.Sockets.SocketType.Dgram)]
    [InlineData("unix-seqpacket:/run/ctl.sock", "/run/ctl.sock", System.Net.Sockets.SocketType.Seqpacket)]
    [InlineData("unix-seqpacket:@ctl", "@ctl", System.Net.Sockets.SocketType.Seqpacket)]
    [InlineData("unix:/run/x.sock", "/run/x.sock", System.Net.Sockets.SocketType.Stream)]
    public void Unix_datagram_and_seqpacket_endpoints_are_unix_endpoints_of_their_type(string text, string path, System.Net.Sockets.SocketType type)
    {
        var unix = Assert.IsType<UnixEndpoint>(Parse(text));

        Assert.Equal((path, type), (unix.Path, unix.Type));
        Assert.Equal(text, unix.ToString());
    }

    [Theory]
    [InlineData("udp:127.0.0.1", "has no port (expected udp:HOST:PORT)")]
    [InlineData("udp:::1:53", "an IPv6 address goes in brackets, as udp:[::1]:53")]
    [InlineData("udp:127.0.0.1:0", "invalid port \"0\"")]
    [InlineData("unix-dgram:run/log.sock", "needs an absolute path (unix-dgram:/absolute/path or unix-dgram:@name)")]
    [InlineData("unix-seqpacket:/run/", "names a directory, not a file")]
    [InlineData("unix-seqpacket:@", "needs an abstract name of 1 to 106 bytes")]
    public void Mistakes_in_udp_and_unix_type_endpoints_are_refused_saying_what_to_write(string text, string expected)
    {
        Assert.Contains(expected, Refuse(text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1")]
    [InlineData("tcp:localhost")]
    public void A_tcp_endpoint_without_a_port_is_refused_saying_so(string text)
    {
        Assert.Contains("has no port", Refuse(text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bracketed_IPv6_address_without_a_port_is_refused_as_having_no_port()
    {
        // The last colon is inside the brackets: this is a missing port, not a port called "1]".
        Assert.Contains("has no port", Refuse("tcp:[::1]"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1:0", "\"0\"")]
    [InlineData("tcp:127.0.0.1:65536", "\"65536\"")]
    [InlineData("tcp:127.0.0.1:http", "\"http\"")]
    [InlineData("tcp:127.0.0.1:-1", "\"-1\"")]
    [InlineData("tcp:127.0.0.1:+80", "\"+80\"")]
    [InlineData("tcp:127.0.0.1: 80", "\" 80\"")]
    [InlineData("tcp:127.0.0.1:", "\"\"")]
    public void A_port_outside_1_to_65535_is_refused_showing_the_port(string text, string quotedPort)
    {
        string error = Refuse(text);

        Assert.Contains($"invalid port {quotedPort}", error, StringComparison.Ordinal);
        Assert.Contains("1 to 65535", error, StringComparison.Ordinal);
        Assert.Contains(text, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1:0")]
    [InlineData("udp:127.0.0.1:0")]
    [InlineData("tcp:*:0")]
    [InlineData("tcp:[::1]:0")]
    [InlineData("tcp:localhost:0")]
    public void A_listen_endpoint_may_have_port_0_for_a_port_the_kernel_picks_at_bind(string text)
    {
        bool parsed = EndpointParser.TryParseListen(text, out Endpoint? endpoint, out string error);

        Assert.True(parsed, $"{text}: {error}");
        Assert.Equal(0, Assert.IsAssignableFrom<InetEndpoint>(endpoint).Port);
        Assert.Equal(text, endpoint!.ToString());

        // Anything else (a Target, pipe, the importers) still refuses it: nothing can connect to port 0.
        Assert.Contains("invalid port \"0\" (1 to 65535)", Refuse(text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1:65536", "\"65536\"")]
    [InlineData("tcp:127.0.0.1:-1", "\"-1\"")]
    [InlineData("udp:127.0.0.1:http", "\"http\"")]
    [InlineData("tcp:127.0.0.1:", "\"\"")]
    public void A_listen_endpoint_refuses_any_other_invalid_port_as_before(string text, string quotedPort)
    {
        bool parsed = EndpointParser.TryParseListen(text, out Endpoint? endpoint, out string error);

        Assert.False(parsed, $"{text} was accepted as {endpoint}");
        Assert.Equal(Refuse(text), error);
        Assert.Contains($"invalid port {quotedPort} (1 to 65535)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1:8080")]
    [InlineData("unix:/run/x.sock")]
    [InlineData("fifo:/run/x.fifo")]
    [InlineData("systemd:web")]
    public void A_listen_endpoint_with_a_port_or_without_one_parses_as_any_other(string text)
    {
        Assert.True(EndpointParser.TryParseListen(text, out Endpoint? endpoint, out string error), error);
        Assert.Equal(Parse(text), endpoint);
    }

    [Fact]
    public void An_unbracketed_IPv6_address_is_refused_with_the_bracketed_form_to_use()
    {
        Assert.Contains("tcp:[::1]:80", Refuse("tcp:::1:80"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:[127.0.0.1]:80")]
    [InlineData("tcp:[not-an-address]:80")]
    public void Brackets_hold_only_an_IPv6_address(string text)
    {
        Assert.Contains("invalid IPv6 address", Refuse(text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tcp_endpoint_without_a_host_points_at_the_star()
    {
        Assert.Contains("use * for every address", Refuse("tcp::80"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:-leading-dash:80")]
    [InlineData("tcp:two words:80")]
    [InlineData("tcp:double..dot:80")]
    public void A_host_that_cannot_be_a_name_is_refused(string text)
    {
        Assert.Contains("invalid host", Refuse(text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_unix_path_is_a_unix_socket_on_the_file_system()
    {
        var unix = Assert.IsType<UnixEndpoint>(Parse("unix:/run/socketbridge/echo.sock"));

        Assert.Equal("/run/socketbridge/echo.sock", unix.Path);
        Assert.False(unix.IsAbstract);
        Assert.Equal("/run/socketbridge/echo.sock", unix.KernelPath);
    }

    [Fact]
    public void An_at_sign_names_a_socket_in_the_abstract_namespace()
    {
        var unix = Assert.IsType<UnixEndpoint>(Parse("unix:@socketbridge-echo"));

        Assert.True(unix.IsAbstract);
        Assert.Equal("@socketbridge-echo", unix.Path);
        Assert.Equal("\0socketbridge-echo", unix.KernelPath);
    }

    [Theory]
    [InlineData("unix:@")]
    public void An_abstract_name_cannot_be_empty(string text)
    {
        Assert.Contains("abstract name", Refuse(text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unix:run/echo.sock")]
    [InlineData("unix:./echo.sock")]
    [InlineData("unix:")]
    [InlineData("fifo:run/echo.fifo")]
    [InlineData("fifo:")]
    public void A_relative_path_is_refused_asking_for_an_absolute_one(string text)
    {
        Assert.Contains("needs an absolute path", Refuse(text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_ending_in_a_slash_is_a_directory_not_a_socket()
    {
        Assert.Contains("directory", Refuse("unix:/run/socketbridge/"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_unix_path_fits_in_sun_path_up_to_107_bytes()
    {
        string longest = "/" + new string('a', EndpointParser.MaxUnixPathBytes - 1);
        Assert.Equal(107, longest.Length);

        Assert.Equal(new UnixEndpoint(longest), Parse("unix:" + longest));
    }

    [Fact]
    public void A_unix_path_longer_than_sun_path_is_refused_when_loaded_rather_than_when_bound()
    {
        string tooLong = "/" + new string('a', 107);

        Assert.Contains("longer than the 107 bytes", Refuse("unix:" + tooLong), StringComparison.Ordinal);
    }

    [Fact]
    public void The_unix_path_limit_counts_bytes_not_characters()
    {
        // 54 two-byte characters are 108 bytes in UTF-8.
        string path = "/" + new string('é', 54);

        Assert.Contains("longer than", Refuse("unix:" + path), StringComparison.Ordinal);
    }

    [Fact]
    public void An_abstract_name_longer_than_sun_path_is_refused()
    {
        Assert.Contains("abstract name", Refuse("unix:@" + new string('a', 200)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fifo_is_a_named_pipe_at_an_absolute_path()
    {
        Assert.Equal(new FifoEndpoint("/run/socketbridge/in.fifo"), Parse("fifo:/run/socketbridge/in.fifo"));
    }

    [Fact]
    public void A_systemd_endpoint_names_the_passed_socket()
    {
        Assert.Equal(new SystemdEndpoint("web"), Parse("systemd:web"));
    }

    [Fact]
    public void A_launchd_endpoint_names_the_job_socket()
    {
        Assert.Equal(new LaunchdEndpoint("Listeners"), Parse("launchd:Listeners"));
    }

    [Theory]
    [InlineData("systemd:")]
    [InlineData("systemd:a:b")]
    [InlineData("launchd:")]
    public void A_systemd_or_launchd_name_must_be_given_and_hold_no_colon(string text)
    {
        Assert.Contains("needs a name", Refuse(text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:80", "http")]
    [InlineData("sctp:127.0.0.1:53", "sctp")]
    [InlineData("unix-stream:/run/x.sock", "unix-stream")]
    [InlineData("TCP:127.0.0.1:80", "TCP")]
    public void An_unknown_scheme_is_refused_naming_it_and_listing_the_known_ones(string text, string scheme)
    {
        string error = Refuse(text);

        Assert.Contains($"unknown scheme \"{scheme}\"", error, StringComparison.Ordinal);
        Assert.Contains("tcp:HOST:PORT", error, StringComparison.Ordinal);
        Assert.Contains("systemd:NAME", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_name_without_a_scheme_is_refused_saying_so()
    {
        Assert.Contains("has no scheme", Refuse("localhost"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void An_empty_endpoint_is_refused(string? text)
    {
        Assert.False(EndpointParser.TryParse(text, out Endpoint? endpoint, out string error));
        Assert.Null(endpoint);
        Assert.StartsWith("is empty", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp:127.0.0.1:8080")]
    [InlineData("tcp:[::1]:8080")]
    [InlineData("tcp:[fe80::1]:22")]
    [InlineData("tcp:[2001:db8::42]:443")]
    [InlineData("tcp:*:80")]
    [InlineData("tcp:localhost:1")]
    [InlineData("unix:/run/socketbridge/echo.sock")]
    [InlineData("unix:@socketbridge")]
    [InlineData("fifo:/run/socketbridge/in.fifo")]
    [InlineData("systemd:web")]
    [InlineData("launchd:Listeners")]
    public void An_endpoint_prints_back_exactly_as_the_user_wrote_it(string text)
    {
        Endpoint endpoint = Parse(text);

        Assert.Equal(text, endpoint.ToString());
        Assert.Equal(endpoint, Parse(endpoint.ToString()));
    }

    private static Endpoint Parse(string text)
    {
        bool parsed = EndpointParser.TryParse(text, out Endpoint? endpoint, out string error);
        Assert.True(parsed, $"{text}: {error}");
        Assert.Equal(string.Empty, error);
        return endpoint!;
    }

    private static string Refuse(string text)
    {
        bool parsed = EndpointParser.TryParse(text, out Endpoint? endpoint, out string error);
        Assert.False(parsed, $"{text} was accepted as {endpoint}");
        Assert.Null(endpoint);
        Assert.NotEqual(string.Empty, error);
        return error;
    }
}
