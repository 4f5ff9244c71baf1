using System.Net.Sockets;
using System.Text;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// unix-dgram: and unix-seqpacket: socket files follow the rules of unix:
/// ones (SPEC 8, README "Socket files: safety rules"): their mode and owner
/// as configured, their own address the configured path, a stale socket
/// replaced, a live one (of any type) or anything else left alone.
/// </summary>
public sealed class DatagramSocketFileTests
{
    /// <summary>A handoff program that answers with sd_is_socket_unix(3) and getsockname of fd 3, over the socket itself.</summary>
    private static string Checker(TempDirectory dir, string path) => dir.WriteScript("check.py", $$"""
        #!{{ChildScripts.Python}}
        import socket
        from systemd import daemon
        s = socket.socket(fileno=3)
        if s.type == socket.SOCK_DGRAM:
            ok = daemon.is_socket_unix(3, socket.SOCK_DGRAM, -1, "{{path}}")
            data, sender = s.recvfrom(1024)
            s.sendto(f"is_socket_unix={ok} getsockname={s.getsockname()}".encode(), sender)
        else:
            ok = daemon.is_socket_unix(3, socket.SOCK_SEQPACKET, 1, "{{path}}")
            conn, _ = s.accept()
            conn.send(f"is_socket_unix={ok} getsockname={s.getsockname()}".encode())
            conn.close()
        """);

    [Theory]
    [InlineData("unix-dgram")]
    [InlineData("unix-seqpacket")]
    public async Task The_socket_file_gets_SocketMode_and_its_owner_and_its_own_address_is_the_configured_path(string scheme)
    {
        using var dir = new TempDirectory();
        string path = dir["typed.sock"];
        string checker = Checker(dir, path);
        FileStatus file;
        await using (Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "typed": { "Listen": "{{scheme}}:{{path}}", "Mode": "handoff", "User": "root", "Exec": ["{{checker}}"],
                "SocketMode": "0640", "SocketUser": "nobody", "SocketGroup": "nogroup" } } }
            """, dir))
        {
            file = Posix.TryLStat(path)!.Value;
            Assert.True(file.IsSocket);
            Assert.Equal(Convert.ToUInt32("640", 8), file.Permissions);
            Assert.Equal((65534u, 65534u), (file.Uid, file.Gid));
            Assert.Equal(["check.py", "config.json", "control.json", "control.sock", "notify.sock", "typed.sock"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());

            Assert.Equal($"is_socket_unix=True getsockname={path}", await AskAsync(scheme, path));
            Assert.Equal(0, await daemon.StopAsync());
        }

        Assert.Null(Posix.TryLStat(path));
    }

    [Fact]
    public async Task A_stale_datagram_socket_file_is_replaced()
    {
        using var dir = new TempDirectory();
        string path = dir["stale.sock"];
        var made = await Clients.RunProgramAsync(ChildScripts.Python, ["-c", $"import os, socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind('{path}'); os.chmod('{path}', 0o604)"]);
        Assert.Equal(0, made.ExitCode);
        Assert.Equal(Convert.ToUInt32("604", 8), Posix.TryLStat(path)!.Value.Permissions);
        string checker = Checker(dir, path);

        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "stale": { "Listen": "unix-dgram:{{path}}", "Mode": "handoff", "User": "root", "Exec": ["{{checker}}"] } } }
            """, dir);

        Assert.Equal(Convert.ToUInt32("660", 8), Posix.TryLStat(path)!.Value.Permissions);
        Assert.Equal($"is_socket_unix=True getsockname={path}", await AskAsync("unix-dgram", path));
    }

    [Theory]
    [InlineData("unix-dgram")]
    [InlineData("unix")]
    [InlineData("unix-seqpacket")]
    public async Task A_path_where_a_live_datagram_socket_is_bound_is_a_startup_error_and_is_left_alone(string scheme)
    {
        using var dir = new TempDirectory();
        string path = dir["live.sock"];
        // A datagram socket does not listen: its file is in use as long as it is bound.
        using var live = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        live.Bind(new UnixDomainSocketEndPoint(path));
        FileStatus before = Posix.TryLStat(path)!.Value;
        dir.Write("config.json", $$"""
            { "Bridges": { "live": { "Listen": "{{scheme}}:{{path}}", "Mode": "handoff", "User": "root", "Exec": ["cat"] } } }
            """);

        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains($"bridge live: cannot listen on {scheme}:{path}: another process is listening on {path}"));
        Assert.True(Posix.TryLStat(path)!.Value.IsSameFile(before));
        Assert.False(live.Poll(0, SelectMode.SelectRead), "the check must not have sent the live socket anything");
        using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        await sender.SendToAsync("still here"u8.ToArray(), new UnixDomainSocketEndPoint(path));
        byte[] buffer = new byte[64];
        Assert.Equal("still here", Encoding.ASCII.GetString(buffer, 0, await live.ReceiveAsync(buffer).WaitAsync(Wait.DefaultTimeout)));
    }

    [Fact]
    public async Task A_regular_file_at_a_unix_dgram_path_is_never_deleted()
    {
        using var dir = new TempDirectory();
        string path = dir["precious"];
        File.WriteAllText(path, "keep me");
        FileStatus before = Posix.TryLStat(path)!.Value;
        dir.Write("config.json", $$"""
            { "Bridges": { "precious": { "Listen": "unix-dgram:{{path}}", "Mode": "handoff", "User": "root", "Exec": ["cat"] } } }
            """);

        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains($"{path} exists and is a regular file, not a socket; it was left untouched"));
        Assert.True(Posix.TryLStat(path)!.Value.IsSameFile(before));
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    /// <summary>Sends a datagram (from a bound socket, so the answer can come back) or connects, and returns the answer.</summary>
    private static async Task<string> AskAsync(string scheme, string path)
    {
        byte[] buffer = new byte[1024];
        if (scheme == "unix-dgram")
        {
            string me = path + ".client";
            using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            client.Bind(new UnixDomainSocketEndPoint(me));
            try
            {
                await client.SendToAsync("?"u8.ToArray(), new UnixDomainSocketEndPoint(path));
                int n = await client.ReceiveAsync(buffer).WaitAsync(Wait.DefaultTimeout);
                return Encoding.UTF8.GetString(buffer, 0, n);
            }
            finally
            {
                File.Delete(me);
            }
        }

        using var connection = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        await connection.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Wait.DefaultTimeout);
        int length = await connection.ReceiveAsync(buffer).WaitAsync(Wait.DefaultTimeout);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
