using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using SocketBridge.Forwarding;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>
/// The relay engine in-process, between real loopback TCP and Unix
/// connections: the paths the daemon's forward tests reach only by chance
/// (copying with a receiver that falls behind, the switch between copying
/// and splicing, a Unix listener's full queue) are driven here on purpose.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RelayEngineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Receivers_that_fall_behind_lose_nothing_either_way(bool splice)
    {
        using var engine = new RelayEngine(loopCount: 1, splice: splice);
        await using Relayed pair = await Relayed.StartAsync(engine);
        byte[] up = RandomNumberGenerator.GetBytes(24 << 20);
        byte[] down = RandomNumberGenerator.GetBytes(24 << 20);

        // Both peers send everything at once and read slowly, in small pieces, with
        // pauses: the relay keeps finding a receiver full and must hold, not drop.
        Task<byte[]> targetGot = SlowReadToEndAsync(pair.Target);
        Task<byte[]> clientGot = SlowReadToEndAsync(pair.Client);
        await Task.WhenAll(SendAndShutdownAsync(pair.Client, up), SendAndShutdownAsync(pair.Target, down)).WaitAsync(Limit);

        Assert.Equal(SHA256.HashData(up), SHA256.HashData(await Wait.ForAsync(targetGot, "the target's bytes", Limit)));
        Assert.Equal(SHA256.HashData(down), SHA256.HashData(await Wait.ForAsync(clientGot, "the client's bytes", Limit)));
        RelayResult result = await Wait.ForAsync(pair.Relay, "the relay's end", Limit);
        Assert.Equal(new RelayResult(up.Length, down.Length, RelayOutcome.Completed, null), result);
    }

    [Fact]
    public async Task Messages_that_alternate_between_small_and_bulk_come_back_whole_and_in_order()
    {
        using var engine = new RelayEngine(loopCount: 1);
        await using Relayed pair = await Relayed.StartAsync(engine);
        Task echo = EchoAsync(pair.Target);

        // Around the copy buffer (8 KiB) and the pipe (1 MiB): each size crosses
        // from copying to splicing or back.
        int[] sizes = [1, 8191, 8192, 8193, 3, 1 << 20, 5, (1 << 20) + 1, 4 << 20, 2, 65536, 1];
        long total = 0;
        foreach (int size in sizes)
        {
            byte[] message = RandomNumberGenerator.GetBytes(size);
            Task send = pair.Client.SendAsync(message, SocketFlags.None);
            byte[] back = await Wait.ForAsync(ReadExactlyAsync(pair.Client, size), $"the echo of {size} bytes", Limit);
            await send.WaitAsync(Limit);
            Assert.True(message.AsSpan().SequenceEqual(back), $"the echo of {size} bytes differs");
            total += size;
        }

        pair.Client.Shutdown(SocketShutdown.Send);
        await Wait.ForAsync(echo.ContinueWith(_ => 0, TaskScheduler.Default), "the echo's end", Limit);
        Assert.Equal(0, await pair.Client.ReceiveAsync(new byte[1], SocketFlags.None));
        Assert.Equal(new RelayResult(total, total, RelayOutcome.Completed, null), await Wait.ForAsync(pair.Relay, "the relay's end", Limit));
    }

    [Fact]
    public async Task A_half_close_is_passed_on_and_the_reply_still_comes_back()
    {
        using var engine = new RelayEngine(loopCount: 1);
        await using Relayed pair = await Relayed.StartAsync(engine);

        await pair.Client.SendAsync("request"u8.ToArray(), SocketFlags.None);
        pair.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal("request", System.Text.Encoding.ASCII.GetString(await Wait.ForAsync(ReadToEndAsync(pair.Target), "the request and its EOF", Limit)));
        await pair.Target.SendAsync("reply"u8.ToArray(), SocketFlags.None);
        pair.Target.Shutdown(SocketShutdown.Send);

        Assert.Equal("reply", System.Text.Encoding.ASCII.GetString(await Wait.ForAsync(ReadToEndAsync(pair.Client), "the reply and its EOF", Limit)));
        Assert.Equal(new RelayResult(7, 5, RelayOutcome.Completed, null), await Wait.ForAsync(pair.Relay, "the relay's end", Limit));
    }

    [Fact]
    public async Task A_reset_target_resets_the_client()
    {
        using var engine = new RelayEngine(loopCount: 1);
        await using Relayed pair = await Relayed.StartAsync(engine);
        await pair.Client.SendAsync("x"u8.ToArray(), SocketFlags.None);
        await Wait.ForAsync(ReadExactlyAsync(pair.Target, 1), "the byte at the target", Limit);
        pair.Target.LingerState = new LingerOption(true, 0);
        pair.Target.Close();

        RelayResult result = await Wait.ForAsync(pair.Relay, "the relay's end", Limit);
        Assert.Equal(RelayOutcome.Reset, result.Outcome);
        Assert.Equal("Connection reset by peer", result.Error);
        pair.CloseRelaySockets();
        var ex = await Assert.ThrowsAsync<SocketException>(() => ReadToEndAsync(pair.Client));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
    }

    [Fact]
    public async Task A_connection_idle_for_IdleTimeout_is_closed_and_one_that_talks_is_not()
    {
        using var engine = new RelayEngine(loopCount: 1);
        TimeSpan idle = TimeSpan.FromSeconds(1);
        await using Relayed quiet = await Relayed.StartAsync(engine, idle);
        await using Relayed busy = await Relayed.StartAsync(engine, idle);
        Task echo = EchoAsync(busy.Target);

        // The busy one talks every 100 ms for 2.5 s, well past IdleTimeout.
        for (int i = 0; i < 25; i++)
        {
            await busy.Client.SendAsync(new byte[] { (byte)i }, SocketFlags.None);
            Task<byte[]> back = ReadExactlyAsync(busy.Client, 1);
            Assert.Same(back, await Task.WhenAny(back, busy.Relay).WaitAsync(Limit));
            await Task.Delay(100);
        }

        Assert.Equal(RelayOutcome.IdleTimeout, (await Wait.ForAsync(quiet.Relay, "the quiet relay's end", Limit)).Outcome);
        TimeSpan quietFor = System.Diagnostics.Stopwatch.GetElapsedTime(quiet.StartedAt);
        Assert.True(quietFor >= idle, $"closed {quietFor.TotalMilliseconds:0.###} ms after the relay began: before IdleTimeout");
        Assert.False(busy.Relay.IsCompleted, "a connection that talks within IdleTimeout must stay open");
        quiet.CloseRelaySockets();
        Assert.Equal(0, await quiet.Client.ReceiveAsync(new byte[1], SocketFlags.None));
        Assert.Equal(0, await quiet.Target.ReceiveAsync(new byte[1], SocketFlags.None));
        Assert.Equal(RelayOutcome.IdleTimeout, (await Wait.ForAsync(busy.Relay, "the busy relay's end once quiet", Limit)).Outcome);
        busy.CloseRelaySockets();
        await Wait.ForAsync(echo.ContinueWith(_ => 0, TaskScheduler.Default), "the echo's end", Limit);
    }

    [Fact]
    public async Task Cancelling_ends_the_relay_as_aborted()
    {
        using var engine = new RelayEngine(loopCount: 1);
        using var abort = new CancellationTokenSource();
        await using Relayed pair = await Relayed.StartAsync(engine, abort: abort.Token);

        await abort.CancelAsync();

        Assert.Equal(RelayOutcome.Aborted, (await Wait.ForAsync(pair.Relay, "the relay's end", Limit)).Outcome);
    }

    [Fact]
    public async Task Connecting_to_a_unix_listener_whose_queue_is_full_waits_until_it_accepts()
    {
        using var engine = new RelayEngine(loopCount: 1);
        using var dir = new TempDirectory();
        var address = new UnixDomainSocketEndPoint(dir["full.sock"]);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(address);
        listener.Listen(0);
        // Fill the queue: with backlog 0 it holds one connection.
        var fillers = new List<Socket>();
        try
        {
            while (true)
            {
                var filler = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
                fillers.Add(filler);
                try
                {
                    filler.Connect(address);
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
                {
                    fillers.Remove(filler);
                    filler.Dispose();
                    break;
                }
            }

            using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.ConnectAsync(address, timeout.Token));
            }

            // With room in the queue a Unix connect completes at once; this one must be left waiting.
            Task<Socket> connecting = engine.ConnectAsync(address, CancellationToken.None);
            Assert.False(connecting.IsCompleted, "a connect to a full queue must wait");
            using Socket first = await listener.AcceptAsync();
            using Socket connected = await Wait.ForAsync(connecting, "the connect once the queue has room", Limit);
            Assert.True(connected.Connected);
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
    public async Task Connecting_where_nothing_listens_says_connection_refused()
    {
        using var engine = new RelayEngine(loopCount: 1);
        int port = Ports.Free();

        var ex = await Assert.ThrowsAsync<SocketBridge.Native.ErrnoSocketException>(() => engine.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), CancellationToken.None));

        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
        Assert.Equal("Connection refused", ex.Message);
    }

    private static async Task SendAndShutdownAsync(Socket socket, byte[] data)
    {
        for (int offset = 0; offset < data.Length;)
        {
            offset += await socket.SendAsync(data.AsMemory(offset, Math.Min(256 << 10, data.Length - offset)), SocketFlags.None);
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<byte[]> SlowReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[3000];
        for (int reads = 0; ; reads++)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                return received.ToArray();
            }

            received.Write(buffer, 0, n);
            if (reads % 500 == 0)
            {
                await Task.Delay(20);
            }
        }
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var received = new MemoryStream();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        return received.ToArray();
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        byte[] data = new byte[count];
        for (int offset = 0; offset < count;)
        {
            int n = await socket.ReceiveAsync(data.AsMemory(offset), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {offset} of {count} bytes");
            }

            offset += n;
        }

        return data;
    }

    private static async Task EchoAsync(Socket socket)
    {
        byte[] buffer = new byte[1 << 20];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The relay closed the connection (IdleTimeout).
        }
    }

    /// <summary>
    /// A client and a target, each a real loopback TCP connection, with the
    /// engine relaying between the two inner ends.
    /// </summary>
    private sealed class Relayed : IAsyncDisposable
    {
        private readonly Socket _relayClient;
        private readonly Socket _relayTarget;

        private Relayed(Socket client, Socket relayClient, Socket relayTarget, Socket target, Task<RelayResult> relay, long startedAt)
        {
            StartedAt = startedAt;
            Client = client;
            _relayClient = relayClient;
            _relayTarget = relayTarget;
            Target = target;
            Relay = relay;
        }

        public Socket Client { get; }

        public Socket Target { get; }

        public Task<RelayResult> Relay { get; }

        /// <summary>Stopwatch timestamp taken just before the relay was handed to the engine.</summary>
        public long StartedAt { get; }

        public static async Task<Relayed> StartAsync(RelayEngine engine, TimeSpan? idleTimeout = null, CancellationToken abort = default)
        {
            (Socket client, Socket relayClient) = await PairAsync();
            (Socket relayTarget, Socket target) = await PairAsync();
            long startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            Task<RelayResult> relay = engine.RelayAsync(relayClient, relayTarget, idleTimeout, abort);
            return new Relayed(client, relayClient, relayTarget, target, relay, startedAt);
        }

        /// <summary>What the daemon does once the relay has ended: close its two sockets.</summary>
        public void CloseRelaySockets()
        {
            _relayClient.Dispose();
            _relayTarget.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            Target.Dispose();
            await Relay.ContinueWith(_ => 0, TaskScheduler.Default).WaitAsync(Limit);
            CloseRelaySockets();
        }

        private static async Task<(Socket Connecting, Socket Accepted)> PairAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await connecting.ConnectAsync(listener.LocalEndPoint!);
            return (connecting, await listener.AcceptAsync());
        }
    }
}
