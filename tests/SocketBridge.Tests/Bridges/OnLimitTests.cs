using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// OnLimit: what a client beyond MaxConnections meets. queue: the bridge
/// stops accepting, the client waits in the kernel's listen backlog and is
/// served, bytes intact, once a connection ends (tcpserver -c); refuse: it
/// is closed at once and counted, as before.
/// </summary>
public sealed class OnLimitTests
{
    [Theory]
    [InlineData("spawn")]
    [InlineData("forward")]
    public async Task With_queue_a_client_beyond_MaxConnections_waits_in_the_backlog_and_is_served_when_a_connection_ends(string mode)
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string serve = mode == "spawn" ? """ "User": "root", "Exec": ["/bin/cat"] """ : $""" "Target": "tcp:127.0.0.1:{backend.Port}" """;
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "queued": { "Listen": "tcp:127.0.0.1:0", {{serve}}, "MaxConnections": 2, "OnLimit": "queue" } } }
            """, dir);
        int port = await daemon.PortOfAsync("queued");

        using Socket first = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        using Socket second = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        foreach (Socket served in (Socket[])[first, second])
        {
            await served.SendAsync("served\n"u8.ToArray());
            Assert.Equal("served", await Clients.ReadLineAsync(served));
        }

        // The third connects (the kernel completes the handshake) and sends
        // all its bytes at once, but nobody accepts it yet.
        using Socket third = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        byte[] data = new byte[48 * 1024];
        new Random(15).NextBytes(data);
        Task<byte[]> echoed = SendAndReadBackAsync(third, data);
        await Wait.UntilAsync(async () => await AcceptQueueAsync(port) == 1, "the third client to wait in the listen backlog");
        Assert.False(echoed.IsCompleted);
        JsonElement bridge = await StatusAsync(daemon);
        Assert.Equal(2, bridge.GetProperty("Active").GetInt32());
        Assert.Equal(0, bridge.GetProperty("Refused").GetInt64());

        // Waiting costs nothing: the loop awaits the next release instead of
        // polling. Measured over one second (a measurement window, not a wait
        // for readiness): a loop that spun would burn the whole of it.
        TimeSpan cpu = CpuTime(daemon.Pid);
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(1));
        TimeSpan used = CpuTime(daemon.Pid) - cpu;
        Assert.True(used < TimeSpan.FromMilliseconds(150), $"the daemon used {used.TotalMilliseconds} ms of CPU in {window.ElapsedMilliseconds} ms while a client waited");
        Assert.Equal(1, await AcceptQueueAsync(port));

        // The first ends: the third is accepted and served at once, its bytes intact.
        first.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(first));
        Assert.Equal(data, await Wait.ForAsync(echoed, "the third client's bytes to come back"));
        Assert.Equal(0, await AcceptQueueAsync(port));

        bridge = await StatusAsync(daemon);
        Assert.Equal(3, bridge.GetProperty("Total").GetInt64());
        Assert.Equal(0, bridge.GetProperty("Refused").GetInt64());
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("refused", StringComparison.Ordinal));
        Assert.Single(daemon.Logs, l => l.Contains("queued: MaxConnections (2) reached; new clients wait in the listen backlog", StringComparison.Ordinal));

        second.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(second));
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task With_refuse_a_client_beyond_MaxConnections_is_closed_at_once_and_counted()
    {
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "refusing": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "MaxConnections": 2, "OnLimit": "refuse" } } }
            """);
        int port = await daemon.PortOfAsync("refusing");

        using Socket first = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        using Socket second = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        foreach (Socket served in (Socket[])[first, second])
        {
            await served.SendAsync("served\n"u8.ToArray());
            Assert.Equal("served", await Clients.ReadLineAsync(served));
        }

        using Socket third = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal(0, await Clients.DrainAsync(third, Wait.DefaultTimeout));
        await daemon.WaitForLogAsync($"refusing: refused connection from 127.0.0.1:{((IPEndPoint)third.LocalEndPoint!).Port}: MaxConnections (2) reached");
        Assert.Equal(1, (await StatusAsync(daemon)).GetProperty("Refused").GetInt64());
    }

    [Fact]
    public async Task With_queue_MaxConnectionsPerSource_and_RateLimit_still_refuse()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "persource": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "OnLimit": "queue", "MaxConnections": 10, "MaxConnectionsPerSource": 1 },
                "rated": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "OnLimit": "queue", "MaxConnections": 10, "RateLimit": "1/min" } } }
            """);
        int perSource = await daemon.PortOfAsync("persource");
        int rated = await daemon.PortOfAsync("rated");

        foreach ((int port, string reason) in (IEnumerable<(int, string)>)[(perSource, "MaxConnectionsPerSource (1) reached"), (rated, "RateLimit (1/min) exceeded")])
        {
            using Socket held = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            await held.SendAsync("held\n"u8.ToArray());
            Assert.Equal("held", await Clients.ReadLineAsync(held));

            using Socket beyond = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            Assert.Equal(0, await Clients.DrainAsync(beyond, Wait.DefaultTimeout));
            await daemon.WaitForLogAsync($"refused connection from 127.0.0.1:{((IPEndPoint)beyond.LocalEndPoint!).Port}: {reason}");
        }
    }

    [Fact]
    public async Task By_default_a_forward_bridge_holds_4096_and_queues_and_a_spawn_bridge_holds_64_and_refuses()
    {
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "fw": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" },
                "sp": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "fw1": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "MaxConnections": 1 },
                "sp1": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"], "MaxConnections": 1 } } }
            """);
        int forward = await daemon.PortOfAsync("fw");
        int spawn = await daemon.PortOfAsync("sp");
        int forwardOne = await daemon.PortOfAsync("fw1");
        int spawnOne = await daemon.PortOfAsync("sp1");

        await daemon.WaitForLogAsync($"fw: listening on tcp:127.0.0.1:{forward} (forward, at most 4096 connections)");
        await daemon.WaitForLogAsync($"sp: listening on tcp:127.0.0.1:{spawn} (spawn, at most 64 connections)");

        foreach (int port in (int[])[forwardOne, spawnOne])
        {
            using Socket held = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            await held.SendAsync("held\n"u8.ToArray());
            Assert.Equal("held", await Clients.ReadLineAsync(held));
            using Socket beyond = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            if (port == forwardOne)
            {
                // Forward: the client waits in the backlog, nothing refused.
                await Wait.UntilAsync(async () => await AcceptQueueAsync(port) == 1, "the forward bridge's second client to wait in the backlog");
                Task<byte[]> echoed = SendAndReadBackAsync(beyond, "waited\n"u8.ToArray());
                held.Shutdown(SocketShutdown.Send);
                Assert.Equal(string.Empty, await Clients.ReadToEndAsync(held));
                Assert.Equal("waited\n"u8.ToArray(), await Wait.ForAsync(echoed, "the waiting client to be served"));
            }
            else
            {
                // Spawn: refused at once, as systemd's Accept=yes and xinetd do.
                Assert.Equal(0, await Clients.DrainAsync(beyond, Wait.DefaultTimeout));
                await daemon.WaitForLogAsync("sp1: refused connection from 127.0.0.1:" + ((IPEndPoint)beyond.LocalEndPoint!).Port + ": MaxConnections (1) reached");
            }
        }

        Assert.DoesNotContain(daemon.Logs, l => l.Contains("fw1: refused", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "Listen": "tcp:127.0.0.1:7", "Mode": "handoff", "User": "root", "Exec": ["/bin/cat"], "OnLimit": "queue" }""",
        "OnLimit: does not apply to handoff mode: one program runs at a time and accepts the connections itself, so the kernel's backlog already holds the waiting clients")]
    [InlineData("""{ "Listen": "fifo:DIR/in.fifo", "User": "root", "Exec": ["/bin/cat"], "OnLimit": "queue" }""",
        "OnLimit: \"queue\" does not apply to fifo:DIR/in.fifo: a FIFO has no listen backlog to hold waiting writers (use refuse)")]
    [InlineData("""{ "Listen": "tcp:127.0.0.1:7", "Target": "tcp:127.0.0.1:8", "OnLimit": "wait" }""",
        "OnLimit: \"wait\" is not one of refuse or queue")]
    [InlineData("""{ "Listen": "tcp:127.0.0.1:7", "Target": "tcp:127.0.0.1:8", "OnLimit": true }""",
        "OnLimit: must be a string, not true")]
    public async Task OnLimit_where_it_cannot_apply_is_a_configuration_error_naming_the_key(string bridge, string message)
    {
        using var dir = new TempDirectory();
        string file = dir.Write("config.json", $$"""{ "Bridges": { "limited": {{bridge.Replace("DIR", dir.Path)}} } }""");

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", file);

        Assert.True(check.ExitCode == 78, check.ToString());
        Assert.Contains($"{file}: Bridges:limited:{message.Replace("DIR", dir.Path)}", check.StderrLines.Concat(check.Stdout.Split('\n')));
    }

    [Fact]
    public async Task OnLimit_refuse_is_accepted_on_a_fifo_which_refuses_anyway()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("config.json", $$"""{ "Bridges": { "limited": { "Listen": "fifo:{{dir["in.fifo"]}}", "User": "root", "Exec": ["/bin/cat"], "OnLimit": "refuse" } } }""");

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", file);

        Assert.True(check.ExitCode == 0, check.ToString());
    }

    /// <summary>Sends everything, half-closes, and reads until the server closes.</summary>
    private static async Task<byte[]> SendAndReadBackAsync(Socket socket, byte[] data)
    {
        Task<byte[]> reading = ReadAllAsync(socket);
        await socket.SendAsync(data);
        socket.Shutdown(SocketShutdown.Send);
        return await reading;
    }

    private static async Task<byte[]> ReadAllAsync(Socket socket)
    {
        var output = new MemoryStream();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            output.Write(buffer, 0, n);
        }

        return output.ToArray();
    }

    /// <summary>The connections waiting to be accepted on a TCP listener, as the kernel counts them (ss: Recv-Q of a listening socket).</summary>
    private static async Task<int> AcceptQueueAsync(int port)
    {
        var (exit, stdout, stderr) = await Clients.RunProgramAsync("ss", ["-Hltn", $"sport = :{port}"]);
        Assert.True(exit == 0, stderr);
        string[] fields = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(fields[1]);
    }

    /// <summary>User and system CPU time of a process (/proc/PID/stat, in clock ticks of 10 ms).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static async Task<JsonElement> StatusAsync(Daemon daemon)
    {
        CliResult result = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.GetProperty("Bridges").EnumerateArray().Single().Clone();
    }
}
