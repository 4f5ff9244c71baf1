using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// <c>Listen</c> as an array of endpoints, checked by <c>socketbridge check</c>
/// as <c>run</c> loads it: a mistake names the key and the element
/// (<c>Bridges:web:Listen[2]</c>); the keys that apply to one kind of
/// endpoint apply to a bridge that has one of that kind.
/// </summary>
public sealed class ListenArrayTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_bridge_on_IPv4_IPv6_and_a_unix_socket_passes_the_check_with_its_three_endpoints()
    {
        int port = Ports.Free();
        string path = _dir["web.sock"];
        CliResult result = await CheckAsync($$"""
            "Listen": ["tcp:127.0.0.1:{{port}}", "tcp:[::1]:{{port}}", "unix:{{path}}"], "User": "root", "Exec": ["/bin/cat"]
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stderr);
        Assert.Contains($"web: spawn on tcp:127.0.0.1:{port}, tcp:[::1]:{port}, unix:{path} -> /bin/cat", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "Bridges:web:Listen: must name at least one endpoint (an empty array was given)")]
    [InlineData("[\"tcp:127.0.0.1:7001\", 7002]", "Bridges:web:Listen[1]: must be an endpoint string, not the number 7002")]
    [InlineData("[\"tcp:127.0.0.1:7001\", [\"unix:/run/x.sock\"]]", "Bridges:web:Listen[1]: must be an endpoint string, not an array")]
    [InlineData("[\"tcp:127.0.0.1:7001\", \"unix:/run/x.sock\", \"tcp:127.0.0.1\"]", "Bridges:web:Listen[2]: \"tcp:127.0.0.1\" has no port (expected tcp:HOST:PORT)")]
    [InlineData("[\"tcp:127.0.0.1:7001\", \"unix:/run/x.sock\", \"tcp:127.0.0.1:7001\"]", "Bridges:web:Listen[2]: tcp:127.0.0.1:7001 is listed twice (Listen[0] is tcp:127.0.0.1:7001)")]
    [InlineData("[\"unix:/run/x.sock\", \"unix:/run//x.sock\"]", "Bridges:web:Listen[1]: unix:/run//x.sock is listed twice (Listen[0] is unix:/run/x.sock)")]
    [InlineData("[\"tcp:*:7001\", \"tcp:127.0.0.1:7001\"]", "Bridges:web:Listen[1]: tcp:127.0.0.1:7001 overlaps Listen[0] (tcp:*:7001): both would listen on 127.0.0.1 port 7001")]
    [InlineData("[\"tcp:[::1]:7001\", \"tcp:[::]:7001\"]", "Bridges:web:Listen[1]: tcp:[::]:7001 overlaps Listen[0] (tcp:[::1]:7001): both would listen on [::1] port 7001")]
    [InlineData("[\"tcp:127.0.0.1:7001\", \"fifo:/run/x.fifo\"]", "Bridges:web:Listen[1]: fifo:/run/x.fifo must be the bridge's only endpoint: a FIFO has sessions, not connections (give it a bridge of its own)")]
    [InlineData("\"tcp:127.0.0.1\"", "Bridges:web:Listen: \"tcp:127.0.0.1\" has no port (expected tcp:HOST:PORT)")]
    public async Task A_bad_array_is_one_error_naming_the_element(string listen, string expected)
    {
        CliResult result = await CheckAsync($$"""
            "Listen": {{listen}}, "User": "root", "Exec": ["/bin/cat"]
            """);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([$"{_dir["config.json"]}: {expected}"], result.StderrLines);
    }

    [Fact]
    public async Task More_endpoints_than_a_program_can_be_given_are_refused()
    {
        int first = 20000;
        string listen = string.Join(", ", Enumerable.Range(first, 65).Select(p => $"\"tcp:127.0.0.1:{p}\""));
        CliResult result = await CheckAsync($$"""
            "Listen": [{{listen}}], "Mode": "handoff", "User": "root", "Exec": ["/bin/cat"]
            """);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([$"{_dir["config.json"]}: Bridges:web:Listen: has 65 endpoints; a bridge takes at most 64"], result.StderrLines);
    }

    [Theory]
    [InlineData("[\"tcp:127.0.0.1:7001\", \"unix:/run/x.sock\"]", "\"AllowFrom\": [\"10.0.0.0/8\"], \"AllowUsers\": [\"root\"], \"SocketMode\": \"0600\"")]
    [InlineData("[\"unix:/run/x.sock\", \"tcp:127.0.0.1:7001\"]", "\"DenyFrom\": [\"10.0.0.0/8\"], \"AllowGroups\": [\"root\"]")]
    public async Task Access_and_socket_file_keys_apply_to_a_bridge_that_has_an_endpoint_of_their_kind(string listen, string keys)
    {
        CliResult result = await CheckAsync($$"""
            "Listen": {{listen}}, {{keys}}, "User": "root", "Exec": ["/bin/cat"]
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Theory]
    [InlineData("[\"unix:/run/x.sock\", \"unix:@sbt-x\"]", "\"AllowFrom\": [\"10.0.0.0/8\"]", "Bridges:web:AllowFrom: applies to TCP clients, not to unix:/run/x.sock, unix:@sbt-x (use AllowUsers or AllowGroups for Unix sockets)")]
    [InlineData("[\"tcp:127.0.0.1:7001\", \"tcp:[::1]:7001\"]", "\"AllowUsers\": [\"root\"]", "Bridges:web:AllowUsers: applies to Unix-socket clients, not to tcp:127.0.0.1:7001, tcp:[::1]:7001 (use AllowFrom or DenyFrom for TCP)")]
    [InlineData("[\"tcp:127.0.0.1:7001\", \"unix:@sbt-x\"]", "\"SocketMode\": \"0600\"", "Bridges:web:SocketMode: only applies to a unix:/path or fifo: endpoint, not tcp:127.0.0.1:7001, unix:@sbt-x")]
    public async Task A_key_that_applies_to_none_of_the_endpoints_is_an_error(string listen, string keys, string expected)
    {
        CliResult result = await CheckAsync($$"""
            "Listen": {{listen}}, {{keys}}, "User": "root", "Exec": ["/bin/cat"]
            """);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Contains($"{_dir["config.json"]}: {expected}", result.StderrLines);
    }

    [Fact]
    public async Task Warnings_name_the_endpoint_they_are_about()
    {
        int port = Ports.Free();
        CliResult result = await CheckAsync($$"""
            "Listen": ["tcp:127.0.0.1:{{port}}", "unix:@sbt-open-{{port}}"], "User": "root", "Exec": ["/bin/cat"]
            """);
        CliResult restricted = await CheckAsync($$"""
            "Listen": ["tcp:127.0.0.1:{{port}}", "unix:@sbt-open-{{port}}"], "AllowUsers": ["root"], "User": "root", "Exec": ["/bin/cat"]
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            [$"{_dir["config.json"]}: Bridges:web:Listen[1]: warning: unix:@sbt-open-{port} is an abstract socket, which every local user may connect to (it has no file permissions); restrict it with AllowUsers or AllowGroups"],
            result.StderrLines);
        Assert.True(restricted.ExitCode == 0, restricted.ToString());
        Assert.Equal(
            [$"{_dir["config.json"]}: Bridges:web:AllowUsers: warning: judges Unix-socket clients only: every TCP client of tcp:127.0.0.1:{port} is let in (restrict them with AllowFrom or DenyFrom)"],
            restricted.StderrLines);
    }

    [Fact]
    public async Task The_example_with_several_endpoints_passes_the_check()
    {
        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", Path.Combine(Binary.RepositoryRoot, "config/examples/several-endpoints.json"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("whereami: spawn on tcp:127.0.0.1:8016, tcp:[::1]:8016, unix:/run/socketbridge-example/whereami.sock", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("site: handoff on tcp:127.0.0.1:8017, tcp:[::1]:8017, unix:/run/socketbridge-example/site.sock", result.Stdout, StringComparison.Ordinal);
    }

    private Task<CliResult> CheckAsync(string keys)
    {
        _dir.Write("config.json", $$"""
            { "Bridges": { "web": { {{keys}} } } }
            """);
        return Fixtures.Cli.RunAsync("check", "-c", _dir["config.json"]);
    }
}
