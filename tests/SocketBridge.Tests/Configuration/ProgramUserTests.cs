using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// SPEC 8: when socketbridge runs as root, every bridge that launches a
/// program names the User it runs as. The suite runs as root.
/// </summary>
public sealed class ProgramUserTests : IDisposable
{
    private const string Required = "is required when socketbridge runs as root: name the account the program runs as, a service account of its own or \"nobody\" (\"User\": \"nobody\"), or \"User\": \"root\" to keep root explicitly";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("\"Exec\": [\"/bin/cat\"]")]
    [InlineData("\"Mode\": \"handoff\", \"Exec\": [\"/bin/cat\"]")]
    [InlineData("\"Target\": \"tcp:127.0.0.1:9\", \"Exec\": [\"/bin/cat\"]")]
    [InlineData("\"Exec\": [\"/bin/cat\"], \"Group\": \"nogroup\"")]
    public async Task A_bridge_that_launches_a_program_without_User_fails_the_check_as_root(string keys)
    {
        string config = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "job": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", {{keys}} } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([$"{config}: Bridges:job:User: {Required}"], result.StderrLines);
    }

    [Fact]
    public async Task Check_lists_the_user_each_program_runs_as_and_a_plain_forward_needs_none()
    {
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", "Exec": ["/bin/cat", "-u"], "User": "nobody" },
                "admin": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", "Exec": ["/bin/cat"], "User": "root" },
                "grouped": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", "Exec": ["/bin/cat"], "User": "nobody", "Group": "nogroup" },
                "relay": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", "Target": "tcp:127.0.0.1:9" }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("  web: ", StringComparison.Ordinal) && l.EndsWith("-> /bin/cat -u (runs as nobody)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  admin: ", StringComparison.Ordinal) && l.EndsWith("-> /bin/cat (runs as root)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  grouped: ", StringComparison.Ordinal) && l.EndsWith("-> /bin/cat (runs as nobody, group nogroup)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  relay: forward on ", StringComparison.Ordinal) && !l.Contains("runs as", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_as_root_refuses_to_start_a_bridge_without_User_with_exit_78()
    {
        int port = Ports.Free();
        string config = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:{{port}}", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", config], _dir, ownsDirectory: false);

        int exit = await daemon.WaitExitAsync();

        Assert.Equal(78, exit);
        Assert.Contains($"{config}: Bridges:echo:User: {Required}", daemon.Logs);
    }

    [Fact]
    public async Task A_drop_in_that_names_the_User_completes_a_bridge_defined_elsewhere()
    {
        string main = _dir.Write("main.json", $$"""
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:{{Ports.Free()}}", "Exec": ["cat"] } } }
            """);
        string dropIn = _dir.Write("as-root.json", """{ "Bridges": { "echo": { "User": "nobody" } } }""");

        CliResult without = await Fixtures.Cli.RunAsync("check", "-c", main);
        CliResult with = await Fixtures.Cli.RunAsync("check", "-c", main, "-c", dropIn);

        Assert.Equal([$"{main}: Bridges:echo:User: {Required}"], without.StderrLines);
        Assert.True(with.ExitCode == 0, with.ToString());
        Assert.Contains("(runs as nobody)", with.Stdout, StringComparison.Ordinal);
    }

    private string WriteProgram(string name, string mode)
    {
        string path = _dir.Write(name, "#!/bin/sh\necho hi\n");
        Chmod(path, mode);
        return path;
    }

    private static void Chmod(string path, string octal) => File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octal, 8));
}
