using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SocketBridge.Forwarding;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>
/// The readiness wait of handoff and FIFO bridges, on the relay loops'
/// epoll: it reports the first readable descriptor without reading, so a
/// datagram that arrived while no program ran is still there for the next,
/// and a stop ends it at once.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReadableWaitTests
{
    [Fact]
    public async Task A_datagram_already_waiting_ends_the_wait_at_once_and_is_still_there_afterwards()
    {
        using var engine = new RelayEngine(loopCount: 1);
        using Socket udp = Udp();
        using Socket sender = Udp();
        sender.SendTo("hello"u8.ToArray(), udp.LocalEndPoint!);
        await Wait.UntilAsync(() => udp.Available > 0, "the datagram to arrive");

        int ready = await Wait.ForAsync(engine.WaitReadableAsync([udp.SafeHandle], CancellationToken.None), "the wait");

        Assert.Equal(0, ready);
        byte[] buffer = new byte[16];
        Assert.Equal(5, udp.Receive(buffer));
    }

    [Fact]
    public async Task The_wait_reports_the_socket_that_became_readable_and_the_first_when_several_are()
    {
        using var engine = new RelayEngine(loopCount: 1);
        using Socket first = Udp(), second = Udp(), sender = Udp();
        SafeHandle[] handles = [first.SafeHandle, second.SafeHandle];

        Task<int> waiting = engine.WaitReadableAsync(handles, CancellationToken.None);
        sender.SendTo("2"u8.ToArray(), second.LocalEndPoint!);
        Assert.Equal(1, await Wait.ForAsync(waiting, "the second socket to be reported"));

        sender.SendTo("1"u8.ToArray(), first.LocalEndPoint!);
        await Wait.UntilAsync(() => first.Available > 0, "the datagram to arrive");
        Assert.Equal(0, await Wait.ForAsync(engine.WaitReadableAsync(handles, CancellationToken.None), "both to be reported"));
    }

    [Fact]
    public async Task A_pending_connection_ends_the_wait_and_is_left_to_be_accepted()
    {
        using var engine = new RelayEngine(loopCount: 1);
        using var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listening.Listen();

        Task<int> waiting = engine.WaitReadableAsync([listening.SafeHandle], CancellationToken.None);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listening.LocalEndPoint!);

        Assert.Equal(0, await Wait.ForAsync(waiting, "the pending connection to be reported"));
        listening.Blocking = false;
        using Socket accepted = listening.Accept();
    }

    [Fact]
    public async Task Nothing_readable_keeps_the_wait_pending_even_after_an_earlier_wait_on_the_same_socket()
    {
        using var engine = new RelayEngine(loopCount: 1);
        using Socket idle = Udp(), busy = Udp(), sender = Udp();
        sender.SendTo("x"u8.ToArray(), idle.LocalEndPoint!);
        Assert.Equal(0, await Wait.ForAsync(engine.WaitReadableAsync([idle.SafeHandle], CancellationToken.None), "the first wait"));
        idle.Receive(new byte[4]);

        Task<int> waiting = engine.WaitReadableAsync([idle.SafeHandle], CancellationToken.None);
        // A later wait on the same loop that ends shows the loop has taken the first one in.
        sender.SendTo("y"u8.ToArray(), busy.LocalEndPoint!);
        Assert.Equal(0, await Wait.ForAsync(engine.WaitReadableAsync([busy.SafeHandle], CancellationToken.None), "the other wait"));
        Assert.False(waiting.IsCompleted);

        sender.SendTo("z"u8.ToArray(), idle.LocalEndPoint!);
        Assert.Equal(0, await Wait.ForAsync(waiting, "the wait to see the new datagram"));
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_promptly_with_nothing_ready()
    {
        using var engine = new RelayEngine(loopCount: 1);
        using Socket udp = Udp();
        using var stop = new CancellationTokenSource();

        Task<int> waiting = engine.WaitReadableAsync([udp.SafeHandle], stop.Token);
        await stop.CancelAsync();

        Assert.Equal(-1, await Wait.ForAsync(waiting, "the cancelled wait to end", TimeSpan.FromSeconds(2)));
        Assert.Equal(-1, await engine.WaitReadableAsync([udp.SafeHandle], stop.Token));
    }

    [Fact]
    public async Task A_closed_socket_or_a_stopped_engine_ends_the_wait()
    {
        var engine = new RelayEngine(loopCount: 1);
        Socket closed = Udp();
        SafeHandle handle = closed.SafeHandle;
        closed.Dispose();
        Assert.Equal(-1, await engine.WaitReadableAsync([handle], CancellationToken.None));

        using Socket udp = Udp();
        Task<int> waiting = engine.WaitReadableAsync([udp.SafeHandle], CancellationToken.None);
        engine.Dispose();
        Assert.Equal(-1, await Wait.ForAsync(waiting, "the wait to end with the engine"));
        Assert.Equal(-1, await engine.WaitReadableAsync([udp.SafeHandle], CancellationToken.None));
    }

    private static Socket Udp()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
