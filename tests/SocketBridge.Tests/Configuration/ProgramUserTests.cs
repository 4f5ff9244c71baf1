using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// SPEC 8: when socketbridge runs as root, every bridge that launches a
/// program names the User it runs as, and the program and its working
/// directory must be usable by that user, as check says before any
/// connection would fail. The suite runs as root.
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
            { "Bridges": { "job": { "Listen": "tcp:127.0.0.1:0", {{keys}} } } }
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
                "web": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/cat", "-u"], "User": "nobody" },
                "admin": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/cat"], "User": "root" },
                "grouped": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/cat"], "User": "nobody", "Group": "nogroup" },
                "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:9" }
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
        string config = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/cat"] } } }
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
            { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:0", "Exec": ["cat"] } } }
            """);
        string dropIn = _dir.Write("as-root.json", """{ "Bridges": { "echo": { "User": "nobody" } } }""");

        CliResult without = await Fixtures.Cli.RunAsync("check", "-c", main);
        CliResult with = await Fixtures.Cli.RunAsync("check", "-c", main, "-c", dropIn);

        Assert.Equal([$"{main}: Bridges:echo:User: {Required}"], without.StderrLines);
        Assert.True(with.ExitCode == 0, with.ToString());
        Assert.Contains("(runs as nobody)", with.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_its_User_may_not_execute_fails_the_check_while_one_its_group_may_run_passes()
    {
        Chmod(_dir.Path, "755");
        string rootOnly = WriteProgram("root-only", "700");
        string forGroup = WriteProgram("for-group", "750");
        Assert.Equal(0, (await Clients.RunProgramAsync("/bin/chgrp", ["nogroup", forGroup])).ExitCode); // nobody's own group
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "locked": { "Listen": "tcp:127.0.0.1:0", "Exec": ["{{rootOnly}}"], "User": "nobody" },
                "shared": { "Listen": "tcp:127.0.0.1:0", "Exec": ["{{forGroup}}"], "User": "nobody" },
                "mine": { "Listen": "tcp:127.0.0.1:0", "Exec": ["{{rootOnly}}"], "User": "root" }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([$"{config}: Bridges:locked:Exec: {rootOnly} is not executable by user nobody (mode 0700, owner root:root)"], result.StderrLines);
    }

    [Fact]
    public async Task A_program_in_a_directory_its_User_may_not_search_fails_the_check_also_through_a_symbolic_link()
    {
        // _dir itself is 0700, as mkdtemp makes it: nobody cannot look inside.
        string program = WriteProgram("prog", "755");
        using var open = new TempDirectory();
        Chmod(open.Path, "755");
        string link = open["prog"];
        File.CreateSymbolicLink(link, program);
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "direct": { "Listen": "tcp:127.0.0.1:0", "Exec": ["{{program}}"], "User": "nobody" },
                "linked": { "Listen": "tcp:127.0.0.1:0", "Exec": ["{{link}}"], "User": "nobody" }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal(
            [
                $"{config}: Bridges:direct:Exec: {program} is not reachable by user nobody: {_dir.Path} is not searchable by it (mode 0700, owner root:root)",
                $"{config}: Bridges:linked:Exec: {link} is not reachable by user nobody: {_dir.Path} is not searchable by it (mode 0700, owner root:root)",
            ],
            result.StderrLines);
    }

    [Fact]
    public async Task A_WorkingDirectory_its_User_may_not_enter_fails_the_check()
    {
        Chmod(_dir.Path, "755");
        string closed = _dir["closed"];
        Directory.CreateDirectory(closed);
        Chmod(closed, "700");
        string inside = Path.Combine(closed, "inside");
        Directory.CreateDirectory(inside);
        Chmod(inside, "755");
        string config = _dir.Write("socketbridge.json", $$"""
            {
              "Bridges": {
                "here": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/pwd"], "User": "nobody", "WorkingDirectory": "{{closed}}" },
                "below": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/pwd"], "User": "nobody", "WorkingDirectory": "{{inside}}" },
                "root": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/pwd"], "User": "root", "WorkingDirectory": "{{inside}}" }
              }
            }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal(
            [
                $"{config}: Bridges:here:WorkingDirectory: {closed} is not searchable by user nobody (mode 0700, owner root:root)",
                $"{config}: Bridges:below:WorkingDirectory: {inside} is not reachable by user nobody: {closed} is not searchable by it (mode 0700, owner root:root)",
            ],
            result.StderrLines);
    }

    [Fact]
    public async Task A_script_its_User_may_execute_but_not_read_fails_the_check()
    {
        Chmod(_dir.Path, "755");
        string script = WriteProgram("script", "711");
        string config = _dir.Write("socketbridge.json", $$"""
            { "Bridges": { "sh": { "Listen": "tcp:127.0.0.1:0", "Exec": ["{{script}}"], "User": "nobody" } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Equal([$"{config}: Bridges:sh:Exec: {script} is a script its interpreter must read, which user nobody may not (mode 0711, owner root:root)"], result.StderrLines);
    }

    private string WriteProgram(string name, string mode)
    {
        string path = _dir.Write(name, "#!/bin/sh\necho hi\n");
        Chmod(path, mode);
        return path;
    }

    private static void Chmod(string path, string octal) => File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octal, 8));
}
