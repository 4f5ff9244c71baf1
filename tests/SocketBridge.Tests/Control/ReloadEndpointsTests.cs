using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Control;

/// <summary>
/// Reloading a bridge whose Listen gains and loses endpoints: the endpoints
/// it keeps keep their sockets, and the connections queued on them; added
/// ones are bound before anything changes; removed ones close.
/// </summary>
public sealed partial class ReloadEndpointsTests
{
    /// <summary>
    /// A handoff program that takes one connection on whichever of its
    /// sockets (python3-systemd's listen_fds), greets it with its pid, how
    /// many sockets it got and the one it accepted on, echoes lines until the
    /// client closes, and exits: connections that come meanwhile wait in the queue.
    /// </summary>
    private const string OneAtATime = """
        #!/usr/bin/python3
        import os, select, socket
        from systemd import daemon
        fds = daemon.listen_fds()
        listening = [socket.socket(fileno=fd) for fd in fds]
        ready, _, _ = select.select(listening, [], [])
        conn, _ = ready[0].accept()
        conn.sendall(f"pid {os.getpid()} sockets {len(fds)} on fd {ready[0].fileno()}\n".encode())
        for line in conn.makefile('rb'):
            conn.sendall(line)
        """;

    [Fact]
    public async Task A_handoff_bridge_keeps_its_unchanged_socket_with_the_connection_queued_on_it_while_one_endpoint_is_added_and_one_removed()
    {
        using var dir = new TempDirectory();
        int kept = Ports.Free(), added = Ports.Free();
        string removed = dir["removed.sock"];
        string program = dir.WriteScript("one.py", OneAtATime);
        string Config(string listen) => $$"""
            { "Bridges": { "job": { "Listen": {{listen}}, "Mode": "handoff", "User": "root", "Exec": ["{{program}}"] } } }
            """;
        await using Daemon daemon = await Daemon.StartAsync(Config($"[\"tcp:127.0.0.1:{kept}\", \"unix:{removed}\"]"), dir);

        // One client is served by the program; a second waits in the queue of the same socket.
        using Socket served = await Clients.ConnectTcpAsync(IPAddress.Loopback, kept);
        string greeting = await Clients.ReadLineAsync(served);
        Assert.Matches("^pid [0-9]+ sockets 2 on fd 3$", greeting);
        using Socket queued = await Clients.ConnectTcpAsync(IPAddress.Loopback, kept);
        await Wait.UntilAsync(async () => (await ListeningAsync(kept)).Queued == 1, "the second connection to wait in the accept queue");
        long inode = (await ListeningAsync(kept)).Inode;

        dir.Write("config.json", Config($"[\"tcp:127.0.0.1:{added}\", \"tcp:127.0.0.1:{kept}\"]"));
        CliResult reload = await ReloadAsync(daemon);
        Assert.True(reload.ExitCode == 0, reload.ToString());
        Assert.Contains("1 changed", reload.Stdout);

        // The kept endpoint is the very same socket, its queue intact; the removed one is closed and its file gone.
        Assert.Equal((1, inode), (await ListeningAsync(kept)));
        Assert.Null(Posix.TryLStat(removed));
        await Assert.ThrowsAnyAsync<SocketException>(() => Clients.ConnectUnixAsync(removed));
        await daemon.WaitForLogAsync($"job: stopped listening on unix:{removed}");

        // The client being served goes on; when it leaves, the program exits and
        // the next one, with the new set of sockets, serves the queued client.
        Assert.Equal("still here", await LineAsync(served, "still here"));
        served.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(served));
        string next = await Clients.ReadLineAsync(queued);
        Assert.Matches("^pid [0-9]+ sockets 2 on fd 4$", next);
        Assert.NotEqual(greeting.Split(' ')[1], next.Split(' ')[1]);
        Assert.Equal("queued", await LineAsync(queued, "queued"));
        queued.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(queued));

        // The added endpoint is the new program's first socket.
        using Socket onAdded = await Clients.ConnectTcpAsync(IPAddress.Loopback, added);
        Assert.Matches("^pid [0-9]+ sockets 2 on fd 3$", await Clients.ReadLineAsync(onAdded));
    }

    [Fact]
    public async Task A_spawn_bridge_binds_an_added_endpoint_before_anything_changes_and_a_bind_failure_refuses_the_whole_reload()
    {
        using var dir = new TempDirectory();
        int kept = Ports.Free(), added = Ports.Free(), taken = Ports.Free();
        string removed = dir["removed.sock"];
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, taken));
        squatter.Listen();
        string Config(string listen) => $$"""
            { "Bridges": { "web": { "Listen": {{listen}}, "User": "root", "Exec": ["/bin/cat"] } } }
            """;
        await using Daemon daemon = await Daemon.StartAsync(Config($"[\"tcp:127.0.0.1:{kept}\", \"unix:{removed}\"]"), dir);
        using Socket open = await Clients.ConnectTcpAsync(IPAddress.Loopback, kept);
        Assert.Equal("before", await LineAsync(open, "before"));
        long inode = (await ListeningAsync(kept)).Inode;
        FileStatus file = Posix.TryLStat(removed)!.Value;

        // An added endpoint that cannot be bound: nothing changes, not even the removal.
        dir.Write("config.json", Config($"[\"tcp:127.0.0.1:{kept}\", \"tcp:127.0.0.1:{taken}\"]"));
        CliResult refused = await ReloadAsync(daemon);
        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Contains($"bridge web: cannot listen on tcp:127.0.0.1:{taken}", refused.Stderr);
        Assert.True(Posix.TryLStat(removed)?.IsSameFile(file), "the endpoint to remove is still there");
        Assert.Equal("unix\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(removed), "unix\n"));

        dir.Write("config.json", Config($"[\"tcp:127.0.0.1:{kept}\", \"tcp:127.0.0.1:{added}\"]"));
        CliResult applied = await ReloadAsync(daemon);
        Assert.True(applied.ExitCode == 0, applied.ToString());

        // The added endpoint serves at the first attempt; the removed one is gone; the kept socket is the same.
        Assert.Equal("added\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, added), "added\n"));
        Assert.Null(Posix.TryLStat(removed));
        Assert.Equal(inode, (await ListeningAsync(kept)).Inode);
        Assert.Equal("kept\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, kept), "kept\n"));
        Assert.Equal("after", await LineAsync(open, "after"));
    }

    [Fact]
    public async Task A_string_Listen_that_becomes_an_array_keeps_its_socket()
    {
        using var dir = new TempDirectory();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "grow": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """, dir);
        int kept = await daemon.PortOfAsync("grow");
        long inode = (await ListeningAsync(kept)).Inode;

        dir.Write("config.json", $$"""
            { "Bridges": { "grow": { "Listen": ["tcp:127.0.0.1:0", "tcp:[::1]:0"], "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        Assert.Equal(0, (await ReloadAsync(daemon)).ExitCode);

        // The new bridge logs its sockets in Listen's order: the kept one again, then the added one.
        Assert.Equal(kept, await daemon.PortOfAsync("grow", 1));
        int added = await daemon.PortOfAsync("grow", 2);

        Assert.Equal(inode, (await ListeningAsync(kept)).Inode);
        Assert.Equal("v6\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, added), "v6\n"));
        Assert.Equal("v4\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, kept), "v4\n"));
    }

    private static Task<CliResult> ReloadAsync(Daemon daemon) =>
        Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);

    private static async Task<string> LineAsync(Socket socket, string line)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(line + "\n"));
        return await Clients.ReadLineAsync(socket);
    }

    /// <summary>What <c>ss</c> says of the socket listening on 127.0.0.1:<paramref name="port"/>: connections in its accept queue, and its inode.</summary>
    private static async Task<(int Queued, long Inode)> ListeningAsync(int port)
    {
        var ss = await Clients.RunProgramAsync("ss", ["-Hltne", $"sport = :{port}"]);
        Match match = SsLine().Match(ss.Stdout);
        Assert.True(match.Success, $"ss shows no listener on port {port}: {ss.Stdout}{ss.Stderr}");
        return (int.Parse(match.Groups["queued"].Value), long.Parse(match.Groups["inode"].Value));
    }

    [GeneratedRegex(@"^LISTEN\s+(?<queued>[0-9]+)\s.*\sino:(?<inode>[0-9]+)", RegexOptions.Multiline)]
    private static partial Regex SsLine();
}
