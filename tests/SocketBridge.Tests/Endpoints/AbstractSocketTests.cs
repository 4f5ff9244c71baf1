using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// <c>unix:@name</c> sockets have no file, so no permissions: every local
/// user can connect. check and run say so unless AllowUsers or AllowGroups
/// restricts the bridge, and those do refuse other users.
/// </summary>
public sealed class AbstractSocketTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Open(string name) =>
        $"unix:@{name} is an abstract socket, which every local user may connect to (it has no file permissions); restrict it with AllowUsers or AllowGroups";

    [Fact]
    public async Task Check_warns_about_an_abstract_socket_open_to_every_user_and_still_passes()
    {
        string open = Unique("open"), relay = Unique("relay"), job = Unique("job"), guarded = Unique("guarded");
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "open": { "Listen": "unix:@{{open}}", "Exec": ["/bin/cat"], "User": "nobody" },
                "relay": { "Listen": "unix:@{{relay}}", "Target": "tcp:127.0.0.1:9" },
                "job": { "Listen": "unix:@{{job}}", "Mode": "handoff", "Exec": ["/bin/cat"], "User": "nobody" },
                "guarded": { "Listen": "unix:@{{guarded}}", "Exec": ["/bin/cat"], "User": "nobody", "AllowGroups": ["root"] }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("configuration is valid: 4 bridge(s)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(
            [
                $"{config}: Bridges:open:Listen: warning: {Open(open)}",
                $"{config}: Bridges:relay:Listen: warning: {Open(relay)}",
                $"{config}: Bridges:job:Listen: warning: unix:@{job} is an abstract socket, which every local user may connect to (it has no file permissions), and in handoff mode the program accepts, not socketbridge: check the peer's credentials (SO_PEERCRED) in the program, or listen on a unix:/path socket with SocketMode",
            ],
            result.StderrLines);
    }

    [Fact]
    public async Task Run_logs_the_warning_when_it_starts_and_again_at_each_reload()
    {
        string open = Unique("open");
        string config = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "open": { "Listen": "unix:@{{open}}", "Exec": ["/bin/cat"], "User": "nobody" } } }
            """);
        string warning = $"{config}: Bridges:open:Listen: warning: {Open(open)}";
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], _dir, ownsDirectory: false);

        await daemon.WaitForLogAsync(warning);
        CliResult reload = await Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);

        Assert.True(reload.ExitCode == 0, reload.ToString());
        await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains(warning, StringComparison.Ordinal)) == 2, "the warning again after the reload");
        Assert.All(daemon.Logs.Where(l => l.Contains(warning, StringComparison.Ordinal)), l => Assert.Contains(" WRN ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllowUsers_on_an_abstract_socket_refuses_nobody_and_serves_root_while_an_open_one_serves_nobody()
    {
        string open = Unique("open"), guarded = Unique("guarded");
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "open": { "Listen": "unix:@{{open}}", "Exec": ["/bin/sh", "-c", "echo hello uid $REMOTE_UID"], "User": "nobody" },
                "guarded": { "Listen": "unix:@{{guarded}}", "AllowUsers": ["root"], "Exec": ["/bin/sh", "-c", "echo hello uid $REMOTE_UID"], "User": "nobody" }
              }
            }
            """);
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], _dir, ownsDirectory: false);

        var nobodyGuarded = await AsNobodyAsync(guarded);
        var nobodyOpen = await AsNobodyAsync(open);
        var root = await Clients.RunProgramAsync("/usr/bin/socat", ["-", $"ABSTRACT-CONNECT:{guarded}"]);

        Assert.Equal(string.Empty, nobodyGuarded.Stdout);
        Assert.Equal("hello uid 65534\n", nobodyOpen.Stdout);
        Assert.Equal("hello uid 0\n", root.Stdout);
        await daemon.WaitForLogAsync("guarded: refused connection from uid 65534");
        Assert.Contains(daemon.Logs, l => l.Contains($"Bridges:open:Listen: warning: {Open(open)}", StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("Bridges:guarded:Listen: warning", StringComparison.Ordinal));
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> AsNobodyAsync(string name) =>
        Clients.RunProgramAsync("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/socat", "-", $"ABSTRACT-CONNECT:{name}"]);

    private static string Unique(string what) => $"sbt-{what}-{Guid.NewGuid():N}";
}
