using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;
using static SocketBridge.Tests.Fixtures.SocketOptionReports;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// The socket options of issue 15 (systemd.socket(5)'s names), each seen
/// through the kernel's own answer: getsockopt(2) in the launched program,
/// and ss(8).
/// </summary>
public sealed class ListenSocketOptionsTests
{
    [Fact]
    public async Task A_spawned_programs_connection_has_the_mark_buffers_keep_alive_and_device_set_on_the_listening_socket()
    {
        using var dir = new TempDirectory();
        string program = Write(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "tuned": {
                "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["{{program}}", "spawn"],
                "Mark": "0x2a", "ReceiveBuffer": "100K", "SendBuffer": 50000, "BindToDevice": "lo",
                "KeepAliveTime": "32.5s", "KeepAliveInterval": "7s", "KeepAliveProbes": 4 } } }
            """, dir);
        int port = await daemon.PortOfAsync("tuned");

        // The listening socket, as ss shows it: the mark, the device after the address, the sizes doubled by the kernel.
        Listener listener = Assert.Single(await ListeningAsync(port));
        Assert.Equal($"127.0.0.1%lo:{port}", listener.Local);
        Assert.Equal(0x2au, listener.Mark);
        Assert.Equal((2 * 102400, 2 * 50000), (listener.ReceiveBuffer, listener.SendBuffer));

        // The connection the program got inherited them, and keep-alive on (a timer turns it on), in whole seconds rounded up.
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        var (_, established, _) = await Clients.RunProgramAsync("ss", ["-Htnoe", "state", "established", $"sport = :{port}"]);
        JsonElement report = await AskAsync(client);
        JsonElement connection = report.GetProperty("connection");
        Assert.Equal(
            (42, 2 * 102400, 2 * 50000, "lo"),
            (Option(connection, "mark"), Option(connection, "rcvbuf"), Option(connection, "sndbuf"), connection.GetProperty("device").GetString()));
        Assert.Equal((1, 33, 7, 4), (Option(connection, "keepalive"), Option(connection, "keepidle"), Option(connection, "keepintvl"), Option(connection, "keepcnt")));

        // ss: the daemon's end of the connection runs a keep-alive timer.
        Assert.Contains("timer:(keepalive,", established, StringComparison.Ordinal);
        Assert.Contains("fwmark:0x2a", established, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handoff_program_finds_every_option_on_its_listening_socket_and_DeferAccept_holds_a_silent_client_back_in_the_kernel()
    {
        using var dir = new TempDirectory();
        string path = dir["creds.sock"];
        string program = Write(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "job": {
                "Listen": ["tcp:127.0.0.1:0", "unix:{{path}}"], "Mode": "handoff", "User": "root", "Exec": ["{{program}}", "handoff"],
                "ReusePort": true, "FreeBind": true, "BindToDevice": "lo", "DeferAccept": "30s", "ReceiveBuffer": "96K", "SendBuffer": "48K",
                "Mark": 7, "KeepAlive": true, "KeepAliveTime": "1min", "PassCredentials": true } } }
            """, dir);
        int port = await daemon.PortOfAsync("job");

        // A client that connected but sent nothing is not queued for accept: the kernel keeps it in
        // SYN-RECV, so the socket is not readable and no program is started for it.
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await Wait.UntilAsync(async () => await SynReceivedAsync(port) == 1, "the silent client held back in SYN-RECV");
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("a connection is pending", StringComparison.Ordinal));
        Assert.Equal(0, int.Parse(Assert.Single(await ListeningAsync(port)).Line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));

        // Its first bytes make it a connection: the program starts and reports its sockets.
        JsonElement report = await AskAsync(client);
        Assert.Equal(3, report.GetProperty("accepted_on").GetInt32());
        JsonElement[] listeners = [.. report.GetProperty("listeners").EnumerateArray()];
        JsonElement tcp = listeners[0], unix = listeners[1];

        // TCP_DEFER_ACCEPT: 30 s become the SYN-ACK retransmissions that cover them (1+2+4+8+16 = 31 s).
        Assert.Equal(31, Option(tcp, "defer_accept"));
        Assert.Equal((1, 1, "lo", 7), (Option(tcp, "reuseport"), Option(tcp, "freebind"), tcp.GetProperty("device").GetString(), Option(tcp, "mark")));
        Assert.Equal((2 * 96 * 1024, 2 * 48 * 1024), (Option(tcp, "rcvbuf"), Option(tcp, "sndbuf")));
        Assert.Equal((1, 60), (Option(tcp, "keepalive"), Option(tcp, "keepidle")));
        Assert.Equal(JsonValueKind.Null, tcp.GetProperty("passcred").ValueKind);
        JsonElement accepted = report.GetProperty("connection");
        Assert.Equal((1, 60, 7), (Option(accepted, "keepalive"), Option(accepted, "keepidle"), Option(accepted, "mark")));

        // The Unix socket got PassCredentials, and none of the IP options.
        Assert.Equal("AF_UNIX", unix.GetProperty("family").GetString());
        Assert.Equal((1, 0, 0, ""), (Option(unix, "passcred"), Option(unix, "mark"), Option(unix, "reuseport"), unix.GetProperty("device").GetString()));
        await daemon.WaitForLogAsync(l => l.Contains("job ", StringComparison.Ordinal) && l.Contains("exited with status 0", StringComparison.Ordinal), "the program's exit");

        // A Unix client's message arrives with its credentials (SCM_CREDENTIALS), which SO_PASSCRED asks for.
        JsonElement fromUnix = await AskAsync(await Clients.ConnectUnixAsync(path));
        Assert.Equal(4, fromUnix.GetProperty("accepted_on").GetInt32());
        Assert.Equal([Environment.ProcessId, 0, 0], fromUnix.GetProperty("credentials").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1, Option(fromUnix.GetProperty("connection"), "passcred"));
    }

    [Fact]
    public async Task PassCredentials_and_Mark_in_a_mixed_Listen_each_reach_only_the_connections_they_mean_something_for()
    {
        using var dir = new TempDirectory();
        string path = dir["mixed.sock"];
        string program = Write(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "mixed": {
                "Listen": ["tcp:127.0.0.1:0", "unix:{{path}}"], "User": "root", "Exec": ["{{program}}", "spawn"],
                "PassCredentials": true, "Mark": 9, "DeferAccept": "1s" } } }
            """, dir);
        int port = await daemon.PortOfAsync("mixed");

        JsonElement overUnix = await AskAsync(await Clients.ConnectUnixAsync(path));
        JsonElement overTcp = await AskAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));

        Assert.Equal((1, 0), (Option(overUnix.GetProperty("connection"), "passcred"), Option(overUnix.GetProperty("connection"), "mark")));
        Assert.Equal([Environment.ProcessId, 0, 0], overUnix.GetProperty("credentials").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(9, Option(overTcp.GetProperty("connection"), "mark"));
        Assert.Equal(JsonValueKind.Null, overTcp.GetProperty("credentials").ValueKind);
    }

    [Fact]
    public async Task FreeBind_lets_a_bridge_listen_on_an_address_the_machine_does_not_have_which_without_it_is_a_clear_start_failure()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free(), port6 = Ports.Free(AddressFamily.InterNetworkV6);
        string Config(string freeBind) => $$"""
            { "Bridges": { "ahead": { "Listen": ["tcp:192.0.2.1:{{port}}", "tcp:[2001:db8::1]:{{port6}}"], "User": "root", "Exec": ["/bin/cat"]{{freeBind}} } } }
            """;

        string config = dir.Write("config.json", Config(string.Empty));
        await using (Daemon refused = Daemon.Launch(["run", "-c", config], dir, ownsDirectory: false))
        {
            Assert.Equal(1, await refused.WaitExitAsync(TimeSpan.FromSeconds(20)));
            string failure = Assert.Single(refused.Logs, l => l.Contains("cannot start", StringComparison.Ordinal));
            Assert.Contains($"bridge ahead: cannot listen on tcp:192.0.2.1:{port} (192.0.2.1:{port}): Cannot assign requested address: the machine has no address 192.0.2.1 (FreeBind lets a bridge listen on one it does not have yet)", failure, StringComparison.Ordinal);
        }

        await using Daemon daemon = await Daemon.StartAsync(Config(", \"FreeBind\": true"), dir);

        Assert.Equal($"192.0.2.1:{port}", Assert.Single(await ListeningAsync(port)).Local);
        Assert.Equal($"[2001:db8::1]:{port6}", Assert.Single(await ListeningAsync(port6)).Local);
    }

    [Fact]
    public async Task Two_daemons_with_ReusePort_share_a_port_and_its_connections_while_one_without_it_still_fails()
    {
        using var dir = new TempDirectory();
        string program = Write(dir);
        string Config(string reusePort, int port) => $$"""
            { "Bridges": { "shared": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["{{program}}", "spawn"]{{reusePort}} } } }
            """;

        // The first daemon's port is the kernel's pick; the others are given it.
        await using Daemon first = await Daemon.StartAsync(Config(", \"ReusePort\": true", 0));
        int port = await first.PortOfAsync("shared");
        await using Daemon second = await Daemon.StartAsync(Config(", \"ReusePort\": true", port));

        // The kernel spreads the connections over both listening sockets (by a hash of the client's address and port).
        var served = new HashSet<int>();
        for (int i = 0; i < 40 && served.Count < 2; i++)
        {
            JsonElement report = await AskAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port));
            Assert.Equal(1, Option(report.GetProperty("connection"), "reuseport"));
            served.Add(report.GetProperty("ppid").GetInt32());
        }

        Assert.Equal(((int[])[first.Pid, second.Pid]).Order(), served.Order()); // pids wrap around: the second may have the lower one
        Assert.Equal(2, (await ListeningAsync(port)).Count);

        // A third daemon that does not ask for it is refused the port, as before.
        string config = dir.Write("third.json", Config(string.Empty, port));
        await using Daemon third = Daemon.Launch(["run", "-c", config], dir, ownsDirectory: false);
        Assert.Equal(1, await third.WaitExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(third.Logs, l => l.Contains($"bridge shared: cannot listen on tcp:127.0.0.1:{port}", StringComparison.Ordinal) && l.Contains("address in use", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReusePort_does_not_open_a_port_another_daemon_holds_without_it()
    {
        string Config(string reusePort, int port) => $$"""
            { "Bridges": { "held": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/echo", "first"]{{reusePort}} } } }
            """;
        await using Daemon first = await Daemon.StartAsync(Config(string.Empty, 0));
        int port = await first.PortOfAsync("held");

        using var dir = new TempDirectory();
        string config = dir.Write("config.json", Config(", \"ReusePort\": true", port));
        await using Daemon second = Daemon.Launch(["run", "-c", config], dir, ownsDirectory: false);

        Assert.Equal(1, await second.WaitExitAsync(TimeSpan.FromSeconds(20)));
        string failure = Assert.Single(second.Logs, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains("address in use", failure, StringComparison.Ordinal);
        Assert.Contains("with ReusePort, the port is shared only with sockets that have SO_REUSEPORT too, of the same user", failure, StringComparison.Ordinal);
        Assert.Equal("first\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
    }

    [Fact]
    public async Task BindIPv6Only_ipv6_only_lets_a_star_endpoint_and_an_IPv4_one_share_a_port_and_both_makes_brackets_dual_stack()
    {
        using var dir = new TempDirectory();
        int split = Ports.Free(AddressFamily.InterNetworkV6), dual = Ports.Free(AddressFamily.InterNetworkV6);
        string program = Write(dir);
        string reporter = ChildScripts.Reporter(dir);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "split": { "Listen": ["tcp:*:{{split}}", "tcp:127.0.0.1:{{split}}"], "User": "root", "Exec": ["{{reporter}}"], "BindIPv6Only": "ipv6-only" },
                "dual": { "Listen": "tcp:[::]:{{dual}}", "User": "root", "Exec": ["{{program}}", "spawn"], "BindIPv6Only": "both" } } }
            """, dir);

        // ipv6-only: "*" takes IPv6 clients only, so the IPv4 endpoint on the same port serves the IPv4 ones.
        JsonElement v6 = ChildScripts.Parse(await Clients.ReadLineAsync(await Clients.ConnectTcpAsync(IPAddress.IPv6Loopback, split)));
        JsonElement v4 = ChildScripts.Parse(await Clients.ReadLineAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, split)));
        Assert.Equal(("inet6", "::"), (v6.GetProperty("env").GetProperty("PROTO").GetString(), v6.GetProperty("env").GetProperty("ADDR").GetString()));
        Assert.Equal(("inet", "127.0.0.1"), (v4.GetProperty("env").GetProperty("PROTO").GetString(), v4.GetProperty("env").GetProperty("ADDR").GetString()));

        // ss shows a dual-stack socket on every address as *, an IPv6-only one as [::].
        Assert.Equal([$"127.0.0.1:{split}", $"[::]:{split}"], (await ListeningAsync(split)).Select(l => l.Local).Order(StringComparer.Ordinal));
        Assert.Equal($"*:{dual}", Assert.Single(await ListeningAsync(dual)).Local);

        // both: tcp:[::] (IPv6 only by default) takes an IPv4 client, on a socket with IPV6_V6ONLY off.
        JsonElement report = await AskAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, dual));
        Assert.Equal(("AF_INET6", 0), (report.GetProperty("connection").GetProperty("family").GetString(), Option(report.GetProperty("connection"), "v6only")));
    }

    [Fact]
    public async Task A_buffer_beyond_rmem_max_is_granted_to_root_and_capped_with_a_warning_without_CAP_NET_ADMIN_which_a_Mark_needs_to_start_at_all()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        long rmemMax = long.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim());
        int size = (int)Math.Min(2 * rmemMax, 1 << 30);
        string Config(string options) => $$"""
            { "Bridges": { "big": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"]{{options}} } } }
            """;
        string[] withoutNetAdmin = ["setpriv", "--bounding-set=-net_admin,-net_raw", "--inh-caps=-net_admin,-net_raw"];
        string config = dir.Write("config.json", Config($", \"ReceiveBuffer\": {size}"));
        await using (Daemon root = await Daemon.StartAsync(["run", "-c", config], dir, ownsDirectory: false))
        {
            // SO_RCVBUFFORCE: twice rmem_max asked, twice that granted (the kernel doubles), nothing capped.
            Assert.Equal(2L * size, Assert.Single(await ListeningAsync(port)).ReceiveBuffer);
            Assert.DoesNotContain(root.Logs, l => l.Contains("capped", StringComparison.Ordinal));
        }

        // Root without CAP_NET_ADMIN (a container's root, say): SO_RCVBUF, which the kernel caps at rmem_max.
        using (var again = new TempDirectory())
        {
            await using Daemon capped = await Daemon.StartAsync(["run", "-c", config], again, ownsDirectory: false, launcher: withoutNetAdmin);
            Assert.Equal(2 * rmemMax, Assert.Single(await ListeningAsync(port)).ReceiveBuffer);
            await capped.WaitForLogAsync($"big: tcp:127.0.0.1:{port}: ReceiveBuffer {size} was capped by the kernel at {rmemMax} (net.core.rmem_max; raise it, or run socketbridge with CAP_NET_ADMIN)");
        }

        // And SO_MARK is refused at bind: the start fails, naming the bridge, the address, the key and the kernel's option.
        dir.Write("config.json", Config(", \"Mark\": 1"));
        using var third = new TempDirectory();
        await using Daemon refused = Daemon.Launch(["run", "-c", config], third, ownsDirectory: false, launcher: withoutNetAdmin);
        Assert.Equal(1, await refused.WaitExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(refused.Logs, l => l.Contains($"bridge big: cannot listen on tcp:127.0.0.1:{port} (127.0.0.1:{port}): Mark: setsockopt(SO_MARK): Operation not permitted (SO_MARK needs CAP_NET_ADMIN or CAP_NET_RAW, which root has unless its capabilities were limited)", StringComparison.Ordinal));
    }

    /// <summary>Connections to <paramref name="port"/> the kernel holds in SYN-RECV (the server's half of the handshake).</summary>
    private static async Task<int> SynReceivedAsync(int port)
    {
        var ss = await Clients.RunProgramAsync("ss", ["-Htn", "state", "syn-recv", $"sport = :{port}"]);
        return ss.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }
}
