using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Bridges;

/// <summary>
/// unix-seqpacket: sockets (issue 15, section 3) work in every mode a
/// stream socket does, and every message arrives as it was sent: never
/// split, never joined with the next.
/// </summary>
public sealed class SeqpacketTests
{
    /// <summary>
    /// Answers each message on the connection with one message, "LENGTH:" and
    /// the message, until the client's end; then "end". From fd 0 (spawn), or
    /// accepting from fd 3 (handoff: "accept"), it also says which socket
    /// types it got on fds 0, 1 and 3.
    /// </summary>
    private const string Echo = """
        #!/usr/bin/python3
        import os, socket, sys, time
        def kind(fd):
            try:
                return socket.socket(fileno=os.dup(fd)).type.name
            except OSError:
                return "-"
        fds = f"fds {kind(0)} {kind(1)} {kind(3)} PROTO={os.environ.get('PROTO')} LISTEN_FDS={os.environ.get('LISTEN_FDS')}"
        if sys.argv[1:] == ["accept"]:
            listener = socket.socket(fileno=3)
            conn, _ = listener.accept()
        else:
            conn = socket.socket(fileno=os.dup(0))
        conn.send(fds.encode())
        while True:
            m = conn.recv(1 << 20)
            if not m:
                break
            conn.send(b"%d:" % len(m) + m)
        conn.send(b"end")
        conn.close()
        """;

    /// <summary>A seqpacket backend for forward bridges: the same answers, from a listening socket of its own.</summary>
    private const string Backend = """
        #!/usr/bin/python3
        import os, socket, sys, time
        path, slow = sys.argv[1], float(sys.argv[2])
        l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        l.bind(path)
        l.listen()
        print("listening", flush=True)
        while True:
            conn, _ = l.accept()
            time.sleep(slow)  # the relay meanwhile holds what this backend has no room for
            while True:
                m = conn.recv(1 << 20)
                if not m:
                    break
                conn.send(b"%d:" % len(m) + m)
            conn.send(b"end")
            conn.close()
        """;

    /// <summary>Messages of many sizes: one byte, more than the relay's 8 KiB buffer, more than a page of the pipe...</summary>
    private static readonly byte[][] Messages =
    [
        "a"u8.ToArray(),
        Encoding.ASCII.GetBytes(new string('b', 100)),
        Encoding.ASCII.GetBytes(new string('c', 8192)),
        Encoding.ASCII.GetBytes(new string('d', 8193)),
        Encoding.ASCII.GetBytes(new string('e', 65536)),
        Encoding.ASCII.GetBytes(new string('f', 150_000)),
        "g"u8.ToArray(),
    ];

    [Fact]
    public async Task A_spawned_program_gets_the_seqpacket_connection_on_fds_0_1_and_3_and_every_message_whole()
    {
        using var dir = new TempDirectory();
        string path = dir["spawn.sock"];
        string echo = dir.WriteScript("echo.py", Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "packets": { "Listen": "unix-seqpacket:{{path}}", "User": "root", "Exec": ["{{echo}}"] } } }
            """, dir);

        string[] replies = await ConverseAsync(path, Messages);

        Assert.Equal("fds SOCK_SEQPACKET SOCK_SEQPACKET SOCK_SEQPACKET PROTO=unix LISTEN_FDS=1", replies[0]);
        AssertEchoed(Messages, replies[1..]);
        await daemon.WaitForLogAsync("packets ");
        await daemon.WaitForLogAsync("exited with status 0");
    }

    [Fact]
    public async Task A_handoff_program_accepts_from_the_listening_seqpacket_socket_and_gets_every_message_whole()
    {
        using var dir = new TempDirectory();
        string path = dir["handoff.sock"];
        string echo = dir.WriteScript("echo.py", Echo);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "job": { "Listen": "unix-seqpacket:{{path}}", "Mode": "handoff", "User": "root", "Exec": ["{{echo}}", "accept"] } } }
            """, dir);

        string[] replies = await ConverseAsync(path, Messages);

        // stdin /dev/null, stdout the log (a stream socket pair), fd 3 the listening socket.
        Assert.Equal("fds - SOCK_STREAM SOCK_SEQPACKET PROTO=unix LISTEN_FDS=1", replies[0]);
        AssertEchoed(Messages, replies[1..]);
        await daemon.WaitForLogAsync($"job ");
        await daemon.WaitForLogAsync($": a connection is pending on unix-seqpacket:{path}; launched child ");
    }

    [Fact]
    public async Task A_forward_bridge_relays_messages_whole_both_ways_to_a_seqpacket_target_even_when_the_target_is_slow()
    {
        using var dir = new TempDirectory();
        string path = dir["front.sock"], target = dir["back.sock"];
        string backend = dir.WriteScript("backend.py", Backend);
        using var server = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(backend) { ArgumentList = { target, "1" }, RedirectStandardOutput = true })!;
        try
        {
            Assert.Equal("listening", await server.StandardOutput.ReadLineAsync().WaitAsync(Wait.DefaultTimeout));
            await using Daemon daemon = await Daemon.StartAsync($$"""
                { "Bridges": { "relay": { "Listen": "unix-seqpacket:{{path}}", "Target": "unix-seqpacket:{{target}}" } } }
                """, dir);

            // The backend sleeps a second before it reads: 40 messages of 64 KiB fill its
            // queue, and the relay holds the rest back, message by message, until it reads.
            byte[][] many = [.. Messages, .. Enumerable.Range(0, 40).Select(i => Encoding.ASCII.GetBytes(new string((char)('A' + (i % 26)), 65536 - i)))];
            string[] replies = await ConverseAsync(path, many);

            AssertEchoed(many, replies);
            string line = await daemon.WaitForLogAsync($"forwarded to unix-seqpacket:{target}: ");
            long sent = many.Sum(m => (long)m.Length);
            Assert.Contains($": {sent} bytes in, ", line, StringComparison.Ordinal);
            await daemon.AssertResourcesReturnToBaselineAsync();
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Connects, sends every message (each with one send), half-closes, and
    /// reads every message back until "end" and the close; the messages as
    /// received, "end" left out.
    /// </summary>
    private static async Task<string[]> ConverseAsync(string path, byte[][] messages)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Wait.DefaultTimeout);
        Task sending = Task.Run(async () =>
        {
            foreach (byte[] message in messages)
            {
                int sent = await socket.SendAsync(message, SocketFlags.None);
                Assert.Equal(message.Length, sent);
            }

            socket.Shutdown(SocketShutdown.Send);
        });

        var received = new List<string>();
        byte[] buffer = new byte[1 << 20];
        using var cts = new CancellationTokenSource(Wait.DefaultTimeout);
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            string message = Encoding.ASCII.GetString(buffer, 0, n);
            if (n == 0 || message == "end")
            {
                break;
            }

            received.Add(message);
        }

        await sending.WaitAsync(Wait.DefaultTimeout);
        return [.. received];
    }

    private static void AssertEchoed(byte[][] sent, string[] replies)
    {
        Assert.Equal(sent.Select(m => $"{m.Length}:{Encoding.ASCII.GetString(m)}"), replies);
    }
}
