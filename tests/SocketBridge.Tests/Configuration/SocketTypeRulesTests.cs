using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// What <c>check</c> says about datagram and seqpacket endpoints and the
/// StandardInput key (issue 15, section 3): one line per problem, naming the
/// file, the bridge and the key, exit 78.
/// </summary>
public sealed class SocketTypeRulesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("\"Listen\": \"udp:127.0.0.1:6900\", \"Mode\": \"spawn\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"]",
        "Bridges:b:Mode: spawn mode cannot serve Listen udp:127.0.0.1:6900, a datagram socket: it has no connections to accept and launch a program for; a datagram socket works in handoff mode only (\"Mode\": \"handoff\"), where the program gets the socket and reads the datagrams, as with systemd's Accept=no and xinetd's wait = yes")]
    [InlineData("\"Listen\": [\"tcp:127.0.0.1:6900\", \"unix-dgram:@sbt-rules\"], \"User\": \"root\", \"Exec\": [\"/bin/cat\"]",
        "Bridges:b:Listen[1]: spawn mode cannot serve Listen unix-dgram:@sbt-rules, a datagram socket: it has no connections to accept and launch a program for; a datagram socket works in handoff mode only (\"Mode\": \"handoff\"), where the program gets the socket and reads the datagrams, as with systemd's Accept=no and xinetd's wait = yes")]
    [InlineData("\"Listen\": \"udp:[::1]:6900\", \"Target\": \"tcp:127.0.0.1:6901\"",
        "Bridges:b:Listen: forward mode cannot serve Listen udp:[::1]:6900, a datagram socket: it has no connections to accept and forward; a datagram socket works in handoff mode only (\"Mode\": \"handoff\"), where the program gets the socket and reads the datagrams, as with systemd's Accept=no and xinetd's wait = yes")]
    public Task Spawn_or_forward_on_a_datagram_socket_is_refused_naming_Mode_and_Listen(string keys, string expected) =>
        AssertRefusedAsync(keys, expected);

    [Theory]
    [InlineData("\"Listen\": \"unix-seqpacket:@sbt-rules\", \"Target\": \"tcp:127.0.0.1:6901\"",
        "Bridges:b:Target: tcp:127.0.0.1:6901 is a stream, and Listen (unix-seqpacket:@sbt-rules) a seqpacket socket, whose message boundaries a stream would lose: forward it to a unix-seqpacket: Target (stream to stream, seqpacket to seqpacket)")]
    [InlineData("\"Listen\": [\"unix-seqpacket:@sbt-rules\", \"tcp:127.0.0.1:6900\"], \"Target\": \"unix-seqpacket:@sbt-back\"",
        "Bridges:b:Target: unix-seqpacket:@sbt-back is a seqpacket socket, and Listen[1] (tcp:127.0.0.1:6900) a stream, which has no message boundaries to give it: a forward bridge relays stream to stream and seqpacket to seqpacket")]
    [InlineData("\"Listen\": \"unix-seqpacket:@sbt-rules\", \"Target\": \"fifo:/run/sbt-rules.fifo\"",
        "Bridges:b:Target: fifo:/run/sbt-rules.fifo is a byte stream, and unix-seqpacket:@sbt-rules a seqpacket socket, whose message boundaries it would lose: forward it to a unix-seqpacket: Target")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:6900\", \"Target\": \"udp:127.0.0.1:53\"",
        "Bridges:b:Target: udp:127.0.0.1:53 is a datagram socket: a forward bridge connects to Target once per connection and relays a byte stream (or seqpacket messages), so Target is tcp:, unix:, unix-seqpacket: or fifo:")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:6900\", \"Target\": \"unix-dgram:/run/log.sock\"",
        "Bridges:b:Target: unix-dgram:/run/log.sock is a datagram socket: a forward bridge connects to Target once per connection and relays a byte stream (or seqpacket messages), so Target is tcp:, unix:, unix-seqpacket: or fifo:")]
    [InlineData("\"Listen\": \"unix-seqpacket:@sbt-rules\", \"Target\": \"unix-seqpacket:@sbt-back\", \"ProxyProtocol\": \"v2\"",
        "Bridges:b:ProxyProtocol: does not apply to seqpacket sockets: a PROXY header goes before a stream's first byte, and a seqpacket backend would take it for a message of its own")]
    public Task A_forward_bridge_relays_stream_to_stream_and_seqpacket_to_seqpacket_only(string keys, string expected) =>
        AssertRefusedAsync(keys, expected);

    [Theory]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:6900\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"StandardInput\": \"socket\"",
        "Bridges:b:StandardInput: only applies to handoff mode: a spawned program's stdin and stdout are its connection already")]
    [InlineData("\"Listen\": \"tcp:127.0.0.1:6900\", \"Target\": \"tcp:127.0.0.1:6901\", \"StandardInput\": \"null\"",
        "Bridges:b:StandardInput: only applies to handoff mode, whose program gets the listening socket (a forward bridge's on-demand backend has none)")]
    [InlineData("\"Listen\": \"udp:127.0.0.1:6900\", \"Mode\": \"handoff\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"StandardInput\": \"tty\"",
        "Bridges:b:StandardInput: \"tty\" is not one of null or socket")]
    [InlineData("\"Listen\": \"udp:127.0.0.1:6900\", \"Mode\": \"handoff\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"], \"StandardInput\": true",
        "Bridges:b:StandardInput: must be a string, not true")]
    public Task StandardInput_is_a_handoff_key_of_two_values(string keys, string expected) =>
        AssertRefusedAsync(keys, expected);

    [Theory]
    [InlineData("[\"udp:*:6900\", \"udp:127.0.0.1:6900\"]", "Bridges:b:Listen[1]: udp:127.0.0.1:6900 overlaps Listen[0] (udp:*:6900): both would listen on 127.0.0.1 port 6900")]
    [InlineData("[\"unix:/run/sbt-rules.sock\", \"unix-dgram:/run//sbt-rules.sock\"]", "Bridges:b:Listen[1]: unix-dgram:/run//sbt-rules.sock is listed twice (Listen[0] is unix:/run/sbt-rules.sock)")]
    [InlineData("[\"udp:127.0.0.1:6900\", \"udp:127.0.0.1:99999\"]", "Bridges:b:Listen[1]: \"udp:127.0.0.1:99999\" has an invalid port \"99999\" (1 to 65535)")]
    [InlineData("[\"unix-seqpacket:relative.sock\"]", "Bridges:b:Listen[0]: \"unix-seqpacket:relative.sock\" needs an absolute path (unix-seqpacket:/absolute/path or unix-seqpacket:@name)")]
    public Task Datagram_and_seqpacket_endpoints_in_a_Listen_array_are_checked_like_the_others(string listen, string expected) =>
        AssertRefusedAsync($"\"Listen\": {listen}, \"Mode\": \"handoff\", \"User\": \"root\", \"Exec\": [\"/bin/cat\"]", expected);

    [Fact]
    public async Task Tcp_and_udp_on_one_port_and_every_unix_type_go_together_in_one_handoff_bridge()
    {
        string file = _dir.Write("ok.json", $$"""
            { "Bridges": { "all": { "Listen": ["tcp:127.0.0.1:6900", "udp:127.0.0.1:6900", "unix:{{_dir["s.sock"]}}",
                "unix-dgram:{{_dir["d.sock"]}}", "unix-seqpacket:{{_dir["p.sock"]}}"],
                "Mode": "handoff", "StandardInput": "socket", "SocketMode": "0600", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", file);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains($"all: handoff on tcp:127.0.0.1:6900, udp:127.0.0.1:6900, unix:{_dir["s.sock"]}, unix-dgram:{_dir["d.sock"]}, unix-seqpacket:{_dir["p.sock"]}", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_abstract_datagram_socket_warns_that_anyone_may_send_to_it()
    {
        string file = _dir.Write("warn.json", """
            { "Bridges": { "log": { "Listen": "unix-dgram:@sbt-rules-log", "Mode": "handoff", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", file);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal(
            [$"{file}: Bridges:log:Listen: warning: unix-dgram:@sbt-rules-log is an abstract socket, which every local user may send datagrams to (it has no file permissions): check the sender's credentials (SO_PASSCRED, SCM_CREDENTIALS) in the program, or listen on a unix-dgram:/path socket with SocketMode"],
            check.StderrLines);
    }

    private async Task AssertRefusedAsync(string keys, string expected)
    {
        string file = _dir.Write("bad.json", $$"""{ "Bridges": { "b": { {{keys}} } } }""");

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", file);

        Assert.True(check.ExitCode == 78, check.ToString());
        Assert.Equal([$"{file}: {expected}"], check.StderrLines);
    }
}
