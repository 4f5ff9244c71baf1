using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>Forward mode: a relay that loses nothing (SPEC 5, forward).</summary>
public sealed class ForwardTests
{
    private const int Size = 256 << 20;

    [Theory]
    [InlineData("tcp")]
    [InlineData("unix")]
    [InlineData("abstract")]
    public async Task Random_bytes_flow_both_ways_at_once_and_arrive_whole(string kind)
    {
        using var dir = new TempDirectory();
        (string target, Func<Func<Socket, Task>, Backend> start) = kind switch
        {
            "tcp" => Tcp(),
            "unix" => ($"unix:{dir["backend.sock"]}", h => Backend.Unix(dir["backend.sock"], h)),
            _ => Abstract(),
        };

        // The backend sends its own stream while it hashes what arrives.
        var backendReceived = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        byte[] fromBackend = RandomNumberGenerator.GetBytes(Size);
        await using Backend backend = start(async socket =>
        {
            Task send = SendAllAndShutdownAsync(socket, fromBackend);
            backendReceived.SetResult(await HashUntilEofAsync(socket));
            await send;
        });
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "{{target}}" } } }
            """, dir);
        int port = await daemon.PortOfAsync("relay");

        byte[] fromClient = RandomNumberGenerator.GetBytes(Size);
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Task send = SendAllAndShutdownAsync(client, fromClient);
        string clientReceived = await Wait.ForAsync(HashUntilEofAsync(client), "the client's checksum", TimeSpan.FromSeconds(120));
        await send.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Convert.ToHexString(SHA256.HashData(fromClient)), await Wait.ForAsync(backendReceived.Task, "the backend's checksum", TimeSpan.FromSeconds(60)));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(fromBackend)), clientReceived);
        await daemon.WaitForLogAsync(l => l.Contains($"forwarded to {target}: {Size} bytes in, {Size} bytes out"), "the connection's entry with its byte counts");

        (string, Func<Func<Socket, Task>, Backend>) Tcp()
        {
            int backendPort = Ports.Free();
            return ($"tcp:127.0.0.1:{backendPort}", h => Backend.Tcp(backendPort, h));
        }

        (string, Func<Func<Socket, Task>, Backend>) Abstract()
        {
            string name = "@sbt-backend-" + Guid.NewGuid().ToString("N");
            return ($"unix:{name}", h => Backend.Unix(name, h));
        }
    }

    [Fact]
    public async Task A_backend_that_reads_slowly_gets_every_byte_and_the_daemon_holds_none_of_them()
    {
        const int size = 96 << 20;
        // The backend takes 64 KiB at a time with a pause between: far slower than the client sends.
        var backendReceived = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Backend backend = Backend.Tcp(0, async socket =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[64 << 10];
            for (int reads = 0; ; reads++)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, n);
                if (reads % 16 == 0)
                {
                    await Task.Delay(10);
                }
            }

            backendReceived.SetResult(Convert.ToHexString(hash.GetHashAndReset()));
        });
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "slow": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """);
        int port = await daemon.PortOfAsync("slow");
        long before = ProcFs.ResidentBytes(daemon.Pid);

        byte[] data = RandomNumberGenerator.GetBytes(size);
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Task send = SendAllAndShutdownAsync(client, data);
        long peak = before;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!backendReceived.Task.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            peak = Math.Max(peak, ProcFs.ResidentBytes(daemon.Pid));
            await Task.WhenAny(backendReceived.Task, Task.Delay(20));
        }

        Assert.Equal(Convert.ToHexString(SHA256.HashData(data)), await Wait.ForAsync(backendReceived.Task, "the backend's checksum", TimeSpan.FromSeconds(120)));
        await send.WaitAsync(TimeSpan.FromSeconds(60));
        // What the backend has not read waits in the kernel (socket buffers and
        // the relay's pipe), not in the daemon: its memory stays flat.
        Assert.True(peak - before < 16 << 20, $"the daemon grew by {(peak - before) >> 20} MiB while relaying {size >> 20} MiB to a slow backend");
        await daemon.WaitForLogAsync($"forwarded to tcp:127.0.0.1:{backend.Port}: {size} bytes in, 0 bytes out");
    }

    [Fact]
    public async Task A_client_that_half_closes_still_receives_the_reply_like_nc_N()
    {
        // The backend reads to EOF, then answers with what it counted.
        await using Backend backend = Backend.Tcp(0, async socket =>
        {
            string hash = await HashUntilEofAsync(socket);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"got {hash}\n"));
        });
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "halfclose": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """);
        int port = await daemon.PortOfAsync("halfclose");

        var (exit, stdout, stderr) = await Clients.RunProgramAsync("nc", ["-N", "127.0.0.1", port.ToString()], "the whole request\n");

        Assert.True(exit == 0, stderr);
        Assert.Equal($"got {Convert.ToHexString(SHA256.HashData("the whole request\n"u8.ToArray()))}\n", stdout);
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task A_thousand_concurrent_connections_are_all_served()
    {
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "many": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "MaxConnections": 2000 } } }
            """);
        int port = await daemon.PortOfAsync("many");

        // All open at once, then each one talks.
        Socket[] clients = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        try
        {
            string[] replies = await Task.WhenAll(clients.Select((c, i) => Clients.ExchangeAsync(c, $"client {i}\n")));
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"client {i}\n"), replies);
        }
        finally
        {
            foreach (Socket c in clients)
            {
                c.Dispose();
            }
        }

        Assert.Equal(1000, backend.Accepted);
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task A_target_that_is_down_refuses_clients_at_once_and_serves_them_when_it_is_up()
    {
        int backendPort = Ports.Free();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "flaky": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backendPort}}" } } }
            """);
        int port = await daemon.PortOfAsync("flaky");

        using (Socket refused = await Clients.ConnectTcpAsync(IPAddress.Loopback, port))
        {
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(refused, TimeSpan.FromSeconds(10)));
        }

        await daemon.WaitForLogAsync($"refused, cannot reach tcp:127.0.0.1:{backendPort}: Connection refused");

        await using Backend backend = Backend.Tcp(backendPort, Backend.Echo);
        Assert.Equal("back up\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "back up\n"));
    }

    [Fact]
    public async Task A_target_that_does_not_answer_is_given_up_after_ConnectTimeout()
    {
        // A listener that never accepts, its queue filled: further SYNs go unanswered.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen(0);
        int backendPort = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            // Non-blocking connects that are left pending: a connect cancelled and
            // closed would give its place in the queue back.
            for (int i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                fillers.Add(filler);
                try
                {
                    filler.Connect(new IPEndPoint(IPAddress.Loopback, backendPort));
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                }
            }

            // Wait until the last filler is stuck: its SYN unanswered because the queue is full.
            await Wait.UntilAsync(() => !fillers[^1].Poll(0, SelectMode.SelectWrite), "the backend's queue to be full");

            await using Daemon daemon = await Daemon.StartAsync($$"""
                { "Bridges": { "silent": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backendPort}}", "ConnectTimeout": "700ms" } } }
                """);
            int port = await daemon.PortOfAsync("silent");

            using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(10)));

            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8));
            await daemon.WaitForLogAsync($"refused, cannot reach tcp:127.0.0.1:{backendPort}: no answer within 00:00:00.7000000");
        }
        finally
        {
            foreach (Socket filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_flood_of_refusals_is_summarised_in_the_log()
    {
        int backendPort = Ports.Free();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "flood": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backendPort}}" } } }
            """);
        int port = await daemon.PortOfAsync("flood");

        for (int i = 0; i < 50; i++)
        {
            using Socket refused = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
            await Clients.ReadToEndAsync(refused);
        }

        await Wait.UntilAsync(() => daemon.Logs.Any(l => l.Contains("more refused for the same reason")) || daemon.Logs.Any(l => l.Contains("refused, cannot reach")), "a refusal entry");
        Assert.True(daemon.Logs.Count(l => l.Contains("refused, cannot reach")) < 10, "50 refusals in well under a second must not give 50 entries");
    }

    [Fact]
    public async Task A_connection_with_no_bytes_either_way_is_closed_after_IdleTimeout()
    {
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "idle": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}", "IdleTimeout": "500ms" } } }
            """);
        int port = await daemon.PortOfAsync("idle");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await client.SendAsync("ping\n"u8.ToArray());
        Assert.Equal("ping", await Clients.ReadLineAsync(client));

        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(10)));
        await daemon.WaitForLogAsync("5 bytes in, 5 bytes out");
        Assert.Contains(daemon.Logs, l => l.Contains("closed after IdleTimeout (00:00:00.5000000)"));
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task A_backend_reset_resets_the_client()
    {
        await using Backend backend = Backend.Tcp(0, async socket =>
        {
            await socket.ReceiveAsync(new byte[16], SocketFlags.None);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close(); // RST
        });
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "reset": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """);
        int port = await daemon.PortOfAsync("reset");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await client.SendAsync("x"u8.ToArray());

        var ex = await Assert.ThrowsAsync<SocketException>(() => Clients.ReadToEndAsync(client));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        await daemon.WaitForLogAsync("reset (");
    }

    private static async Task SendAllAndShutdownAsync(Socket socket, byte[] data)
    {
        for (int offset = 0; offset < data.Length;)
        {
            offset += await socket.SendAsync(data.AsMemory(offset, Math.Min(1 << 20, data.Length - offset)), SocketFlags.None);
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<string> HashUntilEofAsync(Socket socket)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                return Convert.ToHexString(hash.GetHashAndReset());
            }

            hash.AppendData(buffer, 0, n);
        }
    }
}
