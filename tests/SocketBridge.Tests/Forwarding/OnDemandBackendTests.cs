using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>Forward with Exec: a backend started by the first connection and stopped when idle (SPEC 5).</summary>
public sealed class OnDemandBackendTests
{
    /// <summary>Binds 127.0.0.1:PORT after an optional delay and answers each connection with its pid and an echo.</summary>
    private const string BackendScript = """
        #!/usr/bin/python3
        import os, socket, sys, time
        port, delay, mode = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
        if mode == "crash":
            print("crashing at once", file=sys.stderr)
            sys.exit(3)
        time.sleep(delay)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(64)
        print("backend %d listening" % os.getpid(), file=sys.stderr, flush=True)
        while True:
            c, _ = s.accept()
            c.sendall(b"pid %d\n" % os.getpid())
            data = c.recv(4096)
            c.sendall(data)
            c.close()
            if mode == "once":
                sys.exit(0)
        """;

    [Fact]
    public async Task The_first_connection_starts_the_backend_which_stops_after_ExitIdleTime_and_starts_again()
    {
        using var dir = new TempDirectory();
        int backendPort = Ports.Free();
        string backend = dir.WriteScript("backend.py", BackendScript);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "lazy": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backendPort}}",
                "User": "root", "Exec": ["{{backend}}", "{{backendPort}}", "0.3", "serve"], "ExitIdleTime": "700ms" } } }
            """, dir);
        int port = await daemon.PortOfAsync("lazy");
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("started backend"));
        Assert.Empty(ProcFs.Children(daemon.Pid));

        // The client waits while the backend starts (it binds only after 0.3 s).
        (int first, string echo) = await AskAsync(port, "one");
        Assert.Equal("one", echo);
        await daemon.WaitForLogAsync($"lazy: started backend {first}");
        (int again, _) = await AskAsync(port, "two");
        Assert.Equal(first, again);

        await daemon.WaitForLogAsync($"lazy: no connection for 00:00:00.7000000; stopping backend {first}");
        await Wait.UntilAsync(() => !ProcFs.IsAlive(first), "the idle backend to end");
        await daemon.WaitForLogAsync($"lazy: backend {first} stopped (signal SIGTERM)");

        (int second, string echo2) = await AskAsync(port, "three");
        Assert.NotEqual(first, second);
        Assert.Equal("three", echo2);
    }

    [Fact]
    public async Task A_backend_that_exits_is_started_again_by_the_next_connection()
    {
        using var dir = new TempDirectory();
        int backendPort = Ports.Free();
        string backend = dir.WriteScript("backend.py", BackendScript);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "oneshot": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backendPort}}",
                "User": "root", "Exec": ["{{backend}}", "{{backendPort}}", "0", "once"], "ConnectTimeout": "10s" } } }
            """, dir);
        int port = await daemon.PortOfAsync("oneshot");

        (int first, _) = await AskAsync(port, "a");
        await daemon.WaitForLogAsync($"oneshot: backend {first} exited on its own (status 0)");
        (int second, string echo) = await AskAsync(port, "b");

        Assert.NotEqual(first, second);
        Assert.Equal("b", echo);
    }

    [Fact]
    public async Task A_backend_that_crashes_at_once_is_not_restarted_in_a_tight_loop()
    {
        using var dir = new TempDirectory();
        int backendPort = Ports.Free();
        string backend = dir.WriteScript("backend.py", BackendScript);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "crashy": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backendPort}}",
                "User": "root", "Exec": ["{{backend}}", "{{backendPort}}", "0", "crash"], "ConnectTimeout": "2500ms" } } }
            """, dir);
        int port = await daemon.PortOfAsync("crashy");

        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(client, TimeSpan.FromSeconds(15)));

        await daemon.WaitForLogAsync("did not accept within 00:00:02.5000000");
        int starts = daemon.Logs.Count(l => l.Contains("crashy: started backend"));
        Assert.InRange(starts, 1, 3); // 1 s, then 2 s between starts: never a tight loop
        await daemon.WaitForLogAsync(l => l.Contains("crashy backend") && l.Contains("crashing at once"), "the backend's own output");
    }

    [Fact]
    public async Task Stopping_the_daemon_stops_the_backend()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free(), backendPort = Ports.Free();
        string backend = dir.WriteScript("backend.py", BackendScript);
        Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "bye": { "Listen": "tcp:127.0.0.1:{{port}}", "Target": "tcp:127.0.0.1:{{backendPort}}",
                "User": "root", "Exec": ["{{backend}}", "{{backendPort}}", "0", "serve"] } } }
            """, dir);
        await using (daemon)
        {
            (int pid, _) = await AskAsync(port, "x");

            Assert.Equal(0, await daemon.StopAsync());
            Assert.False(ProcFs.IsAlive(pid));
        }
    }

    private static async Task<(int Pid, string Echo)> AskAsync(int port, string text)
    {
        using Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
        string first = await Clients.ReadLineAsync(client);
        string echo = await Clients.ExchangeAsync(client, text);
        return (int.Parse(first.Split(' ')[1]), echo);
    }
}
