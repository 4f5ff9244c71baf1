using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Fifo;

/// <summary>Forward mode with FIFOs: a FIFO's sessions to a Target, and a FIFO as Target (SPEC 5, FIFO listeners).</summary>
public sealed class FifoForwardTests
{
    [Fact]
    public async Task Each_session_of_a_fifo_listener_is_one_connection_to_the_target()
    {
        using var dir = new TempDirectory();
        string pipe = dir["in"];
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using Backend backend = Backend.Tcp(0, async s => received.Enqueue(await Clients.ReadToEndAsync(s)));
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "up": { "Listen": "fifo:{{pipe}}", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """, dir);

        for (int i = 1; i <= 3; i++)
        {
            var (exit, _, stderr) = await Clients.RunProgramAsync("/bin/sh", ["-c", $"echo 'session {i}' > '{pipe}'"]);
            Assert.True(exit == 0, stderr);
            await Wait.UntilAsync(() => received.Count == i, $"the backend's connection {i}");
        }

        Assert.Equal(["session 1\n", "session 2\n", "session 3\n"], received);
        await daemon.WaitForLogAsync(l => l.Contains($"from fifo:{pipe}: forwarded to tcp:127.0.0.1:{backend.Port}: 10 bytes in"), "a session's entry with its byte count");
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    [Fact]
    public async Task The_reference_shell_listener_reads_what_a_tcp_client_sent()
    {
        using var dir = new TempDirectory();
        string pipe = dir["testpipe"];
        string output = dir["out"];
        Fifos.Create(pipe, Convert.ToUInt32("600", 8));
        using Process listener = Process.Start("/bin/sh", ["-c", $"pipe={pipe}\nwhile true\ndo\n    read line <$pipe\n    echo \"$line\" >> {output}\ndone"]);
        try
        {
            await using Daemon daemon = await Daemon.StartAsync($$"""
                { "Bridges": { "down": { "Listen": "tcp:127.0.0.1:0", "Target": "fifo:{{pipe}}" } } }
                """, dir);
            int port = await daemon.PortOfAsync("down");

            foreach (string line in (string[])["Hello, World!", "and again"])
            {
                using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
                Assert.Equal(string.Empty, await Clients.ExchangeAsync(client, line + "\n"));
                await Wait.UntilAsync(() => File.Exists(output) && File.ReadAllText(output).Contains(line), $"the listener to write \"{line}\"");
            }

            // The loop reopens the pipe right after its read; if that is before the daemon has closed its
            // write end, its next read sees just EOF and it records an empty line: the loop's own race, as with any writer.
            Assert.Equal(["Hello, World!", "and again"], File.ReadAllLines(output).Where(l => l.Length > 0));
            await daemon.WaitForLogAsync(l => l.Contains($"forwarded to fifo:{pipe}: 14 bytes in, 0 bytes out"), "the connection's entry");
        }
        finally
        {
            listener.Kill(entireProcessTree: true);
            await listener.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task With_no_reader_the_connection_is_refused_after_ConnectTimeout()
    {
        using var dir = new TempDirectory();
        string pipe = dir["nobody"];
        Fifos.Create(pipe, Convert.ToUInt32("600", 8));
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "down": { "Listen": "tcp:127.0.0.1:0", "Target": "fifo:{{pipe}}", "ConnectTimeout": "400ms" } } }
            """, dir);
        int port = await daemon.PortOfAsync("down");

        var clock = Stopwatch.StartNew();
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        await client.SendAsync(Encoding.UTF8.GetBytes("anyone?\n"));
        string back = await ReadUntilClosedAsync(client);
        Assert.Equal(string.Empty, back);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), $"refused after {clock.ElapsedMilliseconds} ms, before ConnectTimeout");
        await daemon.WaitForLogAsync($"refused, cannot reach fifo:{pipe}: no process read it within 00:00:00.4000000");
    }

    private static async Task<string> ReadUntilClosedAsync(Socket socket)
    {
        try
        {
            return await Clients.ReadToEndAsync(socket);
        }
        catch (SocketException)
        {
            return string.Empty; // Reset: closed with unread bytes.
        }
    }
}
