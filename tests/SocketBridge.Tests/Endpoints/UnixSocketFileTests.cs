using System.Net.Sockets;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>The socket files the daemon creates and the paths it must not touch (SPEC 8).</summary>
public sealed class UnixSocketFileTests
{
    [Fact]
    public async Task The_socket_file_gets_SocketMode_and_its_owner_and_no_staging_directory_is_left()
    {
        using var dir = new TempDirectory();
        string path = dir["owned.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "owned": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["cat"],
                "SocketMode": "0640", "SocketUser": "nobody", "SocketGroup": "nogroup" } } }
            """, dir);

        FileStatus status = Posix.TryLStat(path)!.Value;
        Assert.True(status.IsSocket);
        Assert.Equal(Convert.ToUInt32("640", 8), status.Permissions);
        Assert.Equal(65534u, status.Uid);
        Assert.Equal(65534u, status.Gid);
        Assert.Equal(["config.json", "control.json", "control.sock", "notify.sock", "owned.sock"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task The_sockets_own_address_is_its_configured_path_for_spawn_and_handoff_programs()
    {
        using var dir = new TempDirectory();
        string spawned = dir["spawned.sock"], handed = dir["handed.sock"];
        // sd_is_socket_unix(3), as lighttpd and other socket-activated servers check the socket they get.
        string handoff = dir.WriteScript("handoff.py", $$"""
            #!{{ChildScripts.Python}}
            import socket
            from systemd import daemon
            ok = daemon.is_socket_unix(3, socket.SOCK_STREAM, 1, "{{handed}}")
            listener = socket.socket(fileno=3)
            conn, _ = listener.accept()
            conn.sendall(f"is_socket_unix={ok} getsockname={listener.getsockname()}\n".encode())
            conn.close()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "spawned": { "Listen": "unix:{{spawned}}", "User": "root",
                  "Exec": ["{{ChildScripts.Python}}", "-c", "import socket; print('getsockname=' + socket.socket(fileno=0).getsockname())"] },
                "handed": { "Listen": "unix:{{handed}}", "Mode": "handoff", "User": "root", "Exec": ["{{handoff}}"] } } }
            """, dir);

        // What an administrator's ss -xlp finds: the socket under its own path, held by the daemon.
        var ss = await Clients.RunProgramAsync("ss", ["-xlpH", "src", spawned]);
        Assert.Contains($" {spawned} ", ss.Stdout);
        Assert.Contains($"pid={daemon.Pid},", ss.Stdout);
        Assert.Equal($"getsockname={spawned}\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(spawned)));
        Assert.Equal($"is_socket_unix=True getsockname={handed}\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(handed)));
    }

    [Fact]
    public async Task The_default_SocketMode_is_0660_whatever_the_umask()
    {
        using var dir = new TempDirectory();
        string path = dir["default.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "default": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["cat"] } } }
            """, dir);

        Assert.Equal(Convert.ToUInt32("660", 8), Posix.TryLStat(path)!.Value.Permissions);
    }

    [Fact]
    public async Task A_stale_socket_file_is_replaced()
    {
        using var dir = new TempDirectory();
        string path = dir["stale.sock"];
        // A socket file whose process is gone (.NET would unlink its own on Dispose; Python does not),
        // with a mode of its own: the daemon's has SocketMode. (Its inode number can be reused by the
        // new file once the stale one is removed, so the mode tells them apart.)
        var made = await Clients.RunProgramAsync(ChildScripts.Python, ["-c", $"import os, socket; socket.socket(socket.AF_UNIX).bind('{path}'); os.chmod('{path}', 0o604)"]);
        Assert.Equal(0, made.ExitCode);
        Assert.Equal(Convert.ToUInt32("604", 8), Posix.TryLStat(path)!.Value.Permissions);

        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "stale": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["/bin/echo", "fresh"], "SocketMode": "0660" } } }
            """, dir);

        Assert.Equal(Convert.ToUInt32("660", 8), Posix.TryLStat(path)!.Value.Permissions);
        Assert.Equal("fresh\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path)));
    }

    [Fact]
    public async Task A_socket_with_a_live_listener_is_a_startup_error_naming_the_path_and_is_left_alone()
    {
        using var dir = new TempDirectory();
        string path = dir["live.sock"];
        using var live = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        live.Bind(new UnixDomainSocketEndPoint(path));
        live.Listen();
        FileStatus before = Posix.TryLStat(path)!.Value;

        dir.Write("config.json", $$"""
            { "Bridges": { "live": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);
        int exit = await daemon.WaitExitAsync();

        Assert.Equal(1, exit);
        Assert.Contains(daemon.Logs, l => l.Contains($"bridge live: cannot listen on unix:{path}: another process is listening on {path}"));
        Assert.True(Posix.TryLStat(path)!.Value.IsSameFile(before));
        Assert.False(live.Poll(0, SelectMode.SelectRead), "the check must not have connected to the live listener");
        using Socket stillThere = await Clients.ConnectUnixAsync(path); // the other listener still works
    }

    [Fact]
    public async Task A_second_daemon_on_the_same_path_fails_without_sending_the_first_a_connection()
    {
        using var dir = new TempDirectory();
        string path = dir["shared.sock"];
        await using Daemon first = await Daemon.StartAsync($$"""
            { "Bridges": { "first": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["/bin/echo", "first"] } } }
            """, dir);

        using var other = new TempDirectory();
        other.Write("config.json", $$"""
            { "Bridges": { "second": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["/bin/echo", "second"] } } }
            """);
        await using Daemon second = Daemon.Launch(["run", "-c", other["config.json"]], other, ownsDirectory: false);

        Assert.Equal(1, await second.WaitExitAsync());
        Assert.Contains(second.Logs, l => l.Contains($"another process is listening on {path}"));
        Assert.Equal("first\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(path)));
        await first.WaitForLogAsync(l => l.Contains("first ") && l.Contains("exited with status 0"), "the client's connection");
        Assert.Single(first.Logs, l => l.Contains("first ") && l.Contains(": child ") && (l.Contains("exited") || l.Contains("killed")));
    }

    [Theory]
    [InlineData("regular")]
    [InlineData("directory")]
    [InlineData("fifo")]
    public async Task A_path_that_is_not_a_socket_is_never_deleted(string kind)
    {
        using var dir = new TempDirectory();
        string path = dir["precious"];
        switch (kind)
        {
            case "regular":
                File.WriteAllText(path, "keep me");
                break;
            case "directory":
                Directory.CreateDirectory(path);
                break;
            default:
                Assert.Equal(0, (await Clients.RunProgramAsync("mkfifo", [path])).ExitCode);
                break;
        }

        FileStatus before = Posix.TryLStat(path)!.Value;
        dir.Write("config.json", $$"""
            { "Bridges": { "precious": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains($"{path} exists and is {before.Kind}, not a socket; it was left untouched"));
        FileStatus after = Posix.TryLStat(path)!.Value;
        Assert.True(after.IsSameFile(before));
        Assert.Equal(before.Mode, after.Mode);
        if (kind == "regular")
        {
            Assert.Equal("keep me", File.ReadAllText(path));
        }
    }

    [Fact]
    public async Task When_one_bridge_cannot_listen_the_others_release_their_sockets()
    {
        using var dir = new TempDirectory();
        string good = dir["good.sock"];
        string blocked = dir["blocked"];
        File.WriteAllText(blocked, "not a socket");
        dir.Write("config.json", $$"""
            { "Bridges": {
                "a-good": { "Listen": "unix:{{good}}", "User": "root", "Exec": ["cat"] },
                "b-blocked": { "Listen": "unix:{{blocked}}", "User": "root", "Exec": ["cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Null(Posix.TryLStat(good));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("   at "));
    }

    [Fact]
    public async Task A_tcp_port_in_use_is_a_startup_error_naming_the_address()
    {
        using var dir = new TempDirectory();
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        taken.Listen();
        int port = ((System.Net.IPEndPoint)taken.LocalEndPoint!).Port;
        dir.Write("config.json", $$"""
            { "Bridges": { "busy": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains($"bridge busy: cannot listen on tcp:127.0.0.1:{port}") && l.Contains("in use"));
    }
}
