using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Configuration;

/// <summary>
/// Whoever may change a configuration file chooses what socketbridge runs,
/// and as whom (as root, any program as root). Like sudo with sudoers, the
/// daemon reads only files owned by root or its own user that no one else may
/// write, and says which file and the command that fixes it.
/// </summary>
public sealed class ConfigurationFileWritersTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("0666", null, "is writable by every user (mode 0666)")]
    [InlineData("0664", "nogroup", "is writable by its group (gid 65534, mode 0664)")]
    public async Task A_file_others_may_write_is_refused_by_check_and_run(string mode, string? group, string problem)
    {
        string file = Write("shared.json");
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32(mode, 8));
        if (group is not null)
        {
            Assert.Equal(0, (await Clients.RunProgramAsync("chgrp", [group, file])).ExitCode);
        }

        foreach (string command in (string[])["check", "run"])
        {
            CliResult result = await Fixtures.Cli.RunAsync([command, "-c", file], TimeSpan.FromSeconds(20));

            Assert.True(result.ExitCode == 78, result.ToString());
            string line = Assert.Single(result.StderrLines);
            Assert.Equal($"{file}: {problem}: whoever may change it chooses what socketbridge runs; chmod go-w {file}", line);
        }
    }

    [Fact]
    public async Task A_file_only_the_daemons_own_group_may_write_is_read()
    {
        // root's group for root; a user's private group under umask 002.
        string file = Write("ours.json");
        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("0664", 8));

        CliResult read = await Fixtures.Cli.RunAsync("check", "-c", file);

        Assert.True(read.ExitCode == 0, read.ToString());
    }

    [Fact]
    public async Task A_file_another_user_owns_is_refused_and_one_linked_from_a_root_file_is_read()
    {
        string theirs = Write("theirs.json");
        Assert.Equal(0, (await Clients.RunProgramAsync("chown", ["nobody", theirs])).ExitCode);

        CliResult refused = await Fixtures.Cli.RunAsync("check", "-c", theirs);

        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Equal([$"{theirs}: is owned by nobody (uid 65534), not by root: whoever may change it chooses what socketbridge runs; chown root {theirs}"], refused.StderrLines);

        // A link is judged by the file it leads to.
        string link = _dir["linked.json"];
        File.CreateSymbolicLink(link, Write("root.json"));
        CliResult read = await Fixtures.Cli.RunAsync("check", "-c", link);
        Assert.True(read.ExitCode == 0, read.ToString());
    }

    private string Write(string name) => _dir.Write(name, $$"""
        { "Bridges": { "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
        """);
}
