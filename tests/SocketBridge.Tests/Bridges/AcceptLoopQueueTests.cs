using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// OnLimit queue with several listeners on one bridge (a host name with
/// several addresses; Listen arrays): they share MaxConnections, so while
/// the bridge is full none accepts, a client of any of them is served when a
/// slot frees, and two that find the last slot free at the same moment are
/// both served in turn, never both at once, never refused.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AcceptLoopQueueTests
{
    [Fact]
    public async Task Listeners_of_one_queueing_bridge_share_its_limit_and_serve_every_client_in_turn()
    {
        using Socket first = Listen(), second = Listen();
        var options = new BridgeOptions
        {
            Name = "shared",
            File = "test.json",
            Listen = new ListenOptions { Endpoints = [new ListenEndpoint(new TcpEndpoint("127.0.0.1", Port(first)))] },
            MaxConnections = 1,
            OnLimit = OnLimitPolicy.Queue,
        };
        var handler = new HoldingHandler();
        using var descriptors = new DescriptorReserve();
        var loop = new AcceptLoop(handler, options, descriptors, TimeProvider.System);
        var counters = new BridgeCounters(Tallies.For(options.Name));
        using var accepting = new CancellationTokenSource();
        var context = new BridgeContext(options, counters, new ConnectionIdGenerator(), NullLogger.Instance, new SocketBridge.Handover.HandoverGate(), new LiveConnections(), accepting.Token, CancellationToken.None, CancellationToken.None);
        Task[] loops = [.. ((Socket[])[first, second]).Select(s => Task.Run(() => loop.RunAsync(new BoundListener(s, options.Listen.Endpoints[0].Endpoint), context)))];

        // Each round, one client on each listener at once: both loops may
        // find the slot free and accept; one client is served, the other
        // waits (in the backlog, or accepted and queued), then is served.
        for (int round = 0; round < 20; round++)
        {
            Socket[] clients = await Task.WhenAll(Clients.ConnectTcpAsync(IPAddress.Loopback, Port(first)), Clients.ConnectTcpAsync(IPAddress.Loopback, Port(second)));
            Task<string>[] greetings = [.. clients.Select(c => Clients.ReadLineAsync(c))];
            int served = Array.IndexOf(greetings, await Task.WhenAny(greetings));
            Assert.Equal("served", await greetings[served]);
            clients[served].Dispose();

            Assert.Equal("served", await Wait.ForAsync(greetings[1 - served], "the other client to be served once the slot is free"));
            clients[1 - served].Dispose();
            await Wait.UntilAsync(() => counters.Active == 0, "the connection to end");
        }

        Assert.Equal(1, handler.MostAtOnce);
        Assert.Equal(40, counters.Total);
        Assert.Equal(0, counters.Refused);
        Assert.Equal(0, counters.Queued);

        accepting.Cancel();
        first.Close();
        second.Close();
        await Task.WhenAll(loops).WaitAsync(Wait.DefaultTimeout);
        await loop.DisposeAsync();
    }

    private static Socket Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(16);
        return socket;
    }

    private static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    /// <summary>Greets its client and holds the connection until the client closes it, counting how many it holds at once.</summary>
    private sealed class HoldingHandler : IConnectionHandler
    {
        private int _now;
        private int _most;

        public int MostAtOnce => Volatile.Read(ref _most);

        // Never asked: nothing is re-executed here.
        public Task ResumeAsync(SocketBridge.Handover.ConnectionHandover handover, Connection? connection, LiveConnections live, CancellationToken stop, CancellationToken kill) =>
            throw new NotSupportedException();

        public async Task ServeAsync(Connection connection, CancellationToken stop, CancellationToken kill)
        {
            int now = Interlocked.Increment(ref _now);
            int most;
            while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }

            try
            {
                await connection.Socket.SendAsync("served\n"u8.ToArray(), SocketFlags.None, kill);
                await Clients.DrainAsync(connection.Socket, Wait.DefaultTimeout);
            }
            finally
            {
                Interlocked.Decrement(ref _now);
            }
        }
    }
}
