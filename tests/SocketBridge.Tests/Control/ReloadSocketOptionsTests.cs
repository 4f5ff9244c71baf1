using System.Net;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;
using static SocketBridge.Tests.Fixtures.SocketOptionReports;

namespace SocketBridge.Tests.Control;

/// <summary>
/// Socket options across a reload: those set on a bound socket (Mark,
/// DeferAccept, buffers, keep-alive, PassCredentials) change on the socket
/// the endpoint keeps; those bound with it (ReusePort, FreeBind,
/// BindToDevice, BindIPv6Only) need a new socket, which the kernel lets bind
/// beside the old one only when both have ReusePort.
/// </summary>
public sealed class ReloadSocketOptionsTests
{
    [Fact]
    public async Task Changed_and_removed_options_are_set_on_the_kept_socket_except_a_buffer_size_which_stays_and_is_said()
    {
        using var dir = new TempDirectory();
        string program = Write(dir);
        string Config(string options) => $$"""
            { "Bridges": { "kept": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["{{program}}", "handoff"]{{options}} } } }
            """;
        await using Daemon daemon = await Daemon.StartAsync(Config(", \"Mark\": 1, \"DeferAccept\": \"3s\", \"KeepAliveTime\": \"1min\", \"ReceiveBuffer\": \"100K\""), dir);
        int port = await daemon.PortOfAsync("kept");
        Listener before = Assert.Single(await ListeningAsync(port));
        JsonElement first = Assert.Single(await AskListenerAsync(port));
        Assert.Equal((1, 3, 1, 60), (Option(first, "mark"), Option(first, "defer_accept"), Option(first, "keepalive"), Option(first, "keepidle")));
        await daemon.WaitForLogAsync("exited with status 0");

        dir.Write("config.json", Config(", \"Mark\": 2"));
        CliResult reload = await ReloadAsync(daemon);
        Assert.True(reload.ExitCode == 0, reload.ToString());

        // The same socket (ss: same inode), with the new mark, and the options taken out back at the kernel's defaults.
        Listener after = Assert.Single(await ListeningAsync(port));
        Assert.Equal((before.Inode, 0x2u), (after.Inode, after.Mark));
        JsonElement second = Assert.Single(await AskListenerAsync(port));
        int keepIdle = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_keepalive_time").Trim());
        Assert.Equal((2, 0, 0, keepIdle), (Option(second, "mark"), Option(second, "defer_accept"), Option(second, "keepalive"), Option(second, "keepidle")));

        // A size once set cannot be handed back to the kernel's automatic sizing: it stays, and the log says so.
        Assert.Equal(2 * 102400, before.ReceiveBuffer);
        Assert.Equal(before.ReceiveBuffer, after.ReceiveBuffer);
        await daemon.WaitForLogAsync($"kept: tcp:127.0.0.1:{port}: ReceiveBuffer is no longer set, but this socket keeps its size of 102400 until it is made anew (a restart)");
    }

    [Fact]
    public async Task A_changed_FreeBind_makes_a_new_socket_beside_the_old_when_both_have_ReusePort_and_is_refused_saying_why_when_they_do_not()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string program = Write(dir);
        string Config(string options) => $$"""
            { "Bridges": { "moved": { "Listen": "tcp:127.0.0.1:{{port}}", "Mode": "handoff", "User": "root", "Exec": ["{{program}}", "handoff"]{{options}} } } }
            """;
        string config = dir.Write("config.json", Config(string.Empty));
        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false);
        long inode = Assert.Single(await ListeningAsync(port)).Inode;

        // Without ReusePort the new socket could not bind beside the old one: refused before anything is touched.
        dir.Write("config.json", Config(", \"FreeBind\": true"));
        CliResult refused = await ReloadAsync(daemon);
        Assert.True(refused.ExitCode == 78, refused.ToString());
        Assert.Contains(
            $"{config}: Bridges:moved:FreeBind: FreeBind changed on tcp:127.0.0.1:{port}, which needs a new socket there while the old one still listens, and the kernel lets the two share the address only when both have ReusePort: restart socketbridge, or take the endpoint out of Listen in one reload and put it back in the next",
            refused.Stderr,
            StringComparison.Ordinal);
        Assert.Equal(inode, Assert.Single(await ListeningAsync(port)).Inode);
        Assert.Equal(0, Option(Assert.Single(await AskListenerAsync(port)), "freebind"));
        await daemon.WaitForLogAsync("exited with status 0");

        // Reloads that add ReusePort need a restart too; with it on both sides, FreeBind's change makes a new socket.
        dir.Write("config.json", Config(", \"ReusePort\": true"));
        Assert.Equal(78, (await ReloadAsync(daemon)).ExitCode);
        await daemon.StopAsync();
        using var again = new TempDirectory();
        await using Daemon restarted = await Daemon.StartAsync(["run", "-c", config], again, ownsDirectory: false);
        inode = Assert.Single(await ListeningAsync(port)).Inode;

        dir.Write("config.json", Config(", \"ReusePort\": true, \"FreeBind\": true"));
        CliResult applied = await ReloadAsync(restarted);
        Assert.True(applied.ExitCode == 0, applied.ToString());

        // One socket on the port, not the old one, and it has IP_FREEBIND.
        await Wait.UntilAsync(async () => (await ListeningAsync(port)).Count == 1, "the old socket to close");
        Assert.NotEqual(inode, Assert.Single(await ListeningAsync(port)).Inode);
        JsonElement listener = Assert.Single(await AskListenerAsync(port));
        Assert.Equal((1, 1), (Option(listener, "freebind"), Option(listener, "reuseport")));
    }

    /// <summary>Connects, and returns what the handoff program read of its listening sockets.</summary>
    private static async Task<JsonElement[]> AskListenerAsync(int port) =>
        [.. (await AskAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port))).GetProperty("listeners").EnumerateArray()];

    private static Task<CliResult> ReloadAsync(Daemon daemon) =>
        Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
}
