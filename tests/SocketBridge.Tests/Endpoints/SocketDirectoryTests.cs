using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// The directories on the way to a socket file or FIFO (SPEC 8, sshd's
/// StrictModes): refused when someone other than root, the daemon's user or
/// SocketUser could replace what is in them; created 0755 (0700 for the
/// control socket's) whatever the umask.
/// </summary>
public sealed class SocketDirectoryTests
{
    [Theory]
    [InlineData("unix", "0777", "is writable by every user (mode 0777, no sticky bit)")]
    [InlineData("unix", "0775", "is writable by its group (gid 0)")]
    [InlineData("fifo", "0757", "is writable by every user (mode 0757, no sticky bit)")]
    public async Task A_directory_others_may_write_is_refused_naming_it_and_nothing_is_created(string scheme, string mode, string problem)
    {
        using var dir = new TempDirectory();
        string shared = dir["shared"];
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)Convert.ToInt32(mode, 8));
        dir.Write("config.json", $$"""
            { "Bridges": { "app": { "Listen": "{{scheme}}:{{shared}}/app", "Exec": ["cat"], "User": "root" } } }
            """);
        string expected = $"{dir["config.json"]}: Bridges:app:Listen: {shared} {problem}";
        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", dir["config.json"]);
        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);

        Assert.Equal(78, check.ExitCode);
        Assert.Contains(check.StderrLines, l => l.StartsWith(expected, StringComparison.Ordinal) && l.Contains($"chmod go-w {shared}"));
        Assert.Equal(78, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains(expected));
        Assert.Empty(Directory.GetFileSystemEntries(shared));
    }

    [Fact]
    public async Task A_directory_owned_by_another_user_is_refused_unless_that_user_is_SocketUser()
    {
        using var dir = new TempDirectory();
        string theirs = dir["theirs"];
        Directory.CreateDirectory(theirs);
        Assert.Equal(0, (await Clients.RunProgramAsync("chown", ["nobody:nogroup", theirs])).ExitCode);
        dir.Write("config.json", $$"""
            { "Bridges": { "app": { "Listen": "unix:{{theirs}}/app.sock", "Exec": ["/bin/echo", "hi"], "User": "root" } } }
            """);
        await using (Daemon refused = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false))
        {
            Assert.Equal(78, await refused.WaitExitAsync());
            Assert.Contains(refused.Logs, l => l.Contains($"Bridges:app:Listen: {theirs} is owned by nobody (uid 65534), not by root"));
            Assert.Empty(Directory.GetFileSystemEntries(theirs));
        }

        // The socket's own user may own its directory (the usual /run/<service>/).
        dir.Write("config.json", $$"""
            { "Bridges": { "app": { "Listen": "unix:{{theirs}}/app.sock", "Exec": ["/bin/echo", "hi"], "User": "root", "SocketUser": "nobody" } } }
            """);
        await using Daemon served = await Daemon.StartAsync(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);
        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync($"{theirs}/app.sock")));
    }

    [Fact]
    public async Task A_sticky_directory_writable_by_all_is_accepted_like_tmp()
    {
        using var dir = new TempDirectory();
        string sticky = dir["sticky"];
        Directory.CreateDirectory(sticky);
        File.SetUnixFileMode(sticky, (UnixFileMode)Convert.ToInt32("1777", 8));
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "app": { "Listen": "unix:{{sticky}}/app.sock", "Exec": ["/bin/echo", "hi"], "User": "root" } } }
            """, dir);

        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync($"{sticky}/app.sock")));
    }

    [Fact]
    public async Task A_symbolic_link_on_the_way_is_followed_when_root_owns_it_and_refused_when_another_user_does()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["real"]);
        File.CreateSymbolicLink(dir["rootlink"], dir["real"]);
        await using (Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "app": { "Listen": "unix:{{dir["rootlink"]}}/app.sock", "Exec": ["/bin/echo", "hi"], "User": "root" } } }
            """, dir))
        {
            Assert.True(Posix.TryLStat(dir["real/app.sock"])?.IsSocket);
            Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(dir["rootlink/app.sock"])));
        }

        File.CreateSymbolicLink(dir["theirlink"], dir["real"]);
        Assert.Equal(0, (await Clients.RunProgramAsync("chown", ["-h", "nobody:nogroup", dir["theirlink"]])).ExitCode);
        dir.Write("config.json", $$"""
            { "Bridges": { "app": { "Listen": "unix:{{dir["theirlink"]}}/app.sock", "Exec": ["cat"], "User": "root" } } }
            """);
        await using Daemon refused = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);
        Assert.Equal(78, await refused.WaitExitAsync());
        Assert.Contains(refused.Logs, l => l.Contains($"Bridges:app:Listen: {dir["theirlink"]} is a symbolic link owned by nobody (uid 65534); only links owned by root or the daemon's user are followed"));
        Assert.Null(Posix.TryLStat(dir["real/app.sock"]));
    }

    [Fact]
    public async Task A_control_socket_directory_others_may_write_is_a_warning_and_the_daemon_serves_without_it()
    {
        using var dir = new TempDirectory();
        string shared = dir["shared"];
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, (UnixFileMode)Convert.ToInt32("0777", 8));
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "ControlSocket": "{{shared}}/control.sock" },
              "Bridges": { "app": { "Listen": "tcp:127.0.0.1:0", "Exec": ["/bin/echo", "hi"], "User": "root" } } }
            """, dir);
        int port = await daemon.PortOfAsync("app");

        // Said at load, and again when the daemon does not bind it.
        Assert.Contains(daemon.Logs, l => l.Contains($"SocketBridge:ControlSocket: warning: {shared} is writable by every user (mode 0777, no sticky bit)"));
        Assert.Contains(daemon.Logs, l => l.Contains($"control socket: cannot listen on {shared}/control.sock: {shared} is writable by every user"));
        Assert.Empty(Directory.GetFileSystemEntries(shared));
        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(System.Net.IPAddress.Loopback, port)));
    }

    [Fact]
    public async Task Missing_directories_are_made_0755_and_the_control_sockets_0700_even_with_umask_000()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string made = dir["newdir"];
        dir.Write("config.json", $$"""
            { "SocketBridge": { "ControlSocket": "{{made}}/ctl/control.sock" },
              "Bridges": {
                "u": { "Listen": "unix:{{made}}/a/b/app.sock", "Exec": ["/bin/echo", "hi"], "User": "root", "SocketMode": "0600" },
                "f": { "Listen": "fifo:{{made}}/c/app.fifo", "Exec": ["cat"], "User": "root", "SocketMode": "0600" } } }
            """);
        string[] umask000 = ["/bin/sh", "-c", "umask 000; exec \"$@\"", "sh"];
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", dir["config.json"]], dir, ownsDirectory: false, launcher: umask000);

        foreach ((string path, string mode) in (List<(string, string)>)[("newdir", "0755"), ("newdir/a", "0755"), ("newdir/a/b", "0755"), ("newdir/c", "0755"), ("newdir/ctl", "0700")])
        {
            FileStatus status = Posix.TryLStat(dir[path])!.Value;
            Assert.True(status.IsDirectory && status.Uid == 0, $"{path}: {status.Kind} of uid {status.Uid}");
            Assert.Equal(mode, FileStatus.FormatMode(status.Permissions));
        }

        Assert.Equal("0600", FileStatus.FormatMode(Posix.TryLStat($"{made}/a/b/app.sock")!.Value.Permissions));
        Assert.Equal("0600", FileStatus.FormatMode(Posix.TryLStat($"{made}/c/app.fifo")!.Value.Permissions));

        // The audit's move of the control socket by another user now fails.
        var moved = await Clients.RunProgramAsync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "mv", $"{made}/ctl/control.sock", $"{made}/ctl/stolen"]);
        Assert.NotEqual(0, moved.ExitCode);
        Assert.True(Posix.TryLStat($"{made}/ctl/control.sock")?.IsSocket);
        var status2 = await Fixtures.Cli.RunAsync("status", "--control", $"{made}/ctl/control.sock");
        Assert.Equal(0, status2.ExitCode);
    }
}
