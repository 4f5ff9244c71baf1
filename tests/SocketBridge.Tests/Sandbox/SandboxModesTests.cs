using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>The keys apply to every launched program: a handoff program and a forward bridge's on-demand backend too.</summary>
public sealed class SandboxModesTests
{
    /// <summary>What a program reports about itself: nice value, umask, NoNewPrivs and its soft open-files limit.</summary>
    private const string Describe = """
        def describe():
            import os, resource
            mask = os.umask(0)
            with open("/proc/self/status") as f:
                nnp = [l.split()[1] for l in f if l.startswith("NoNewPrivs:")][0]
            return "%d %04o %s %d\n" % (os.nice(0), mask, nnp, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        """;

    [Fact]
    public async Task A_handoff_program_gets_the_bridges_Nice_UMask_NoNewPrivileges_and_limits()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string server = dir.WriteScript("server.py", $"""
            #!/usr/bin/python3
            import socket
            {Describe}
            listening = socket.socket(fileno=3)
            conn, _ = listening.accept()
            conn.sendall(describe().encode())
            conn.close()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "job": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "nobody",
                "Nice": 6, "UMask": "0077", "LimitNOFILE": 77, "Exec": ["{{server}}"] } } }
            """, dir);

        Assert.Equal("6 0077 1 77\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("job"))));
        await daemon.WaitForLogAsync(l => l.Contains("job ") && l.Contains("exited with status 0") && l.Contains("max RSS"), "the handoff program's end with its usage");
    }

    [Fact]
    public async Task An_on_demand_backend_gets_the_bridges_Nice_UMask_NoNewPrivileges_and_limits()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        int backendPort = Ports.Free();
        string backend = dir.WriteScript("backend.py", $"""
            #!/usr/bin/python3
            import socket, sys
            {Describe}
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", int(sys.argv[1])))
            server.listen(8)
            while True:
                conn, _ = server.accept()
                conn.sendall(describe().encode())
                conn.close()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "lazy": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backendPort}}", "ConnectTimeout": "10s",
                "User": "nobody", "Nice": 4, "UMask": "0007", "LimitNOFILE": "55:99", "Exec": ["{{backend}}", "{{backendPort}}"] } } }
            """, dir);

        Assert.Equal("4 0007 1 55\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("lazy"))));
    }

    [Fact]
    public async Task Without_the_keys_a_handoff_program_has_the_daemons_nice_value_and_still_NoNewPrivs()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string server = dir.WriteScript("server.py", $"""
            #!/usr/bin/python3
            import socket
            {Describe}
            listening = socket.socket(fileno=3)
            conn, _ = listening.accept()
            conn.sendall(describe().encode())
            conn.close()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "job": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "nobody", "Exec": ["{{server}}"] } } }
            """, dir);

        string[] reply = (await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("job")))).Trim().Split(' ');
        string stat = File.ReadAllText($"/proc/{daemon.Pid}/stat");
        Assert.Equal(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], reply[0]);
        Assert.Equal("1", reply[2]);
    }
}
