using System.Net;
using System.Net.Sockets;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Spawn;

/// <summary>SIGTERM and SIGINT (SPEC 7).</summary>
public sealed class ShutdownTests
{
    [Theory]
    [InlineData(LibC.SIGTERM)]
    [InlineData(LibC.SIGINT)]
    public async Task Stopping_ends_the_programs_removes_the_socket_file_and_exits_0(int signal)
    {
        using var dir = new TempDirectory();
        string path = dir["stop.sock"];
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "stop": { "Listen": "unix:{{path}}", "User": "root", "Exec": ["/bin/sh", "-c", "echo started $$; exec sleep 600"] } } }
            """, dir);
        using Socket client = await Clients.ConnectUnixAsync(path);
        int child = int.Parse((await Clients.ReadLineAsync(client)).Split(' ')[1]);
        Assert.True(ProcFs.IsAlive(child));

        daemon.Signal(signal);

        Assert.Equal(0, await daemon.WaitExitAsync());
        Assert.False(ProcFs.IsAlive(child));
        Assert.Null(Posix.TryLStat(path));
        Assert.Contains(daemon.Logs, l => l.Contains($"child {child} killed by SIGTERM"));
        Assert.Contains(daemon.Notifications, n => n.Contains("STOPPING=1"));
    }

    [Fact]
    public async Task A_program_that_ignores_SIGTERM_is_killed_after_ShutdownTimeout_with_its_process_group()
    {
        using var dir = new TempDirectory();
        // The program and a grandchild both ignore SIGTERM.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "SocketBridge": { "ShutdownTimeout": "1s" },
              "Bridges": { "stubborn": { "Listen": "tcp:127.0.0.1:0",
                "User": "root", "Exec": ["/bin/sh", "-c", "trap '' TERM; sleep 600 & echo started $$ $!; wait"] } } }
            """, dir);
        int port = await daemon.PortOfAsync("stubborn");
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        string[] pids = (await Clients.ReadLineAsync(client)).Split(' ');
        int child = int.Parse(pids[1]), grandchild = int.Parse(pids[2]);

        daemon.Signal(LibC.SIGTERM);

        Assert.Equal(0, await daemon.WaitExitAsync());
        Assert.False(ProcFs.IsAlive(child));
        await Wait.UntilAsync(() => !ProcFs.IsAlive(grandchild), "the grandchild to be killed with the group");
        Assert.Contains(daemon.Logs, l => l.Contains("stubborn: 1 connection(s) still open after 00:00:01; killing them"));
        Assert.Contains(daemon.Logs, l => l.Contains($"child {child} killed by SIGKILL"));
    }

    [Fact]
    public async Task Processes_a_program_left_behind_in_its_group_are_ended_at_shutdown()
    {
        // The program exits at once; a background process it started keeps the connection.
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "leaver": { "Listen": "tcp:127.0.0.1:0",
                "User": "root", "Exec": ["/bin/sh", "-c", "sleep 600 & echo left $!"] } } }
            """);
        int port = await daemon.PortOfAsync("leaver");
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        int leftBehind = int.Parse((await Clients.ReadLineAsync(client)).Split(' ')[1]);
        await daemon.WaitForLogAsync(l => l.Contains("leaver ") && l.Contains("exited with status 0"), "the program's end");
        Assert.True(ProcFs.IsAlive(leftBehind));

        Assert.Equal(0, await daemon.StopAsync());

        await Wait.UntilAsync(() => !ProcFs.IsAlive(leftBehind), "the left-behind process to end");
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client));
    }

    [Fact]
    public async Task A_SIGHUP_does_not_kill_the_daemon()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "hup": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "alive"] } } }
            """);
        int port = await daemon.PortOfAsync("hup");

        daemon.Signal(LibC.SIGHUP);
        await daemon.WaitForLogAsync("SIGHUP");

        Assert.Equal("alive\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
    }
}
