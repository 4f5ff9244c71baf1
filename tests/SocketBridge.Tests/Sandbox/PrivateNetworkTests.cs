using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Sandbox;

/// <summary>PrivateNetwork: the program talks to its client through the socket it was given and reaches nothing else.</summary>
public sealed class PrivateNetworkTests
{
    /// <summary>Connects to 127.0.0.1:PORT and reports how that went, then echoes one line of its client.</summary>
    private const string Prober = """
        #!/usr/bin/python3
        import socket, sys
        probe = socket.socket()
        probe.settimeout(5)
        try:
            probe.connect(("127.0.0.1", int(sys.argv[1])))
            result = "connected"
        except OSError as e:
            result = "failed %s" % e.errno
        probe.close()
        sys.stdout.write(result + "\n")
        sys.stdout.flush()
        sys.stdout.write(sys.stdin.readline())
        sys.stdout.flush()
        """;

    [Fact]
    public async Task The_program_echoes_to_its_client_but_cannot_reach_a_host_port_on_loopback_which_it_can_without_PrivateNetwork()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string prober = dir.WriteScript("probe.py", Prober);
        using var host = new TcpListener(IPAddress.Loopback, 0);
        host.Start();
        int hostPort = ((IPEndPoint)host.LocalEndpoint).Port;
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "isolated": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "PrivateNetwork": true, "Exec": ["{{prober}}", "{{hostPort}}"] },
                "open": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["{{prober}}", "{{hostPort}}"] } } }
            """, dir);

        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("isolated")))
        {
            Assert.Equal("failed 111", await Clients.ReadLineAsync(client)); // ECONNREFUSED: the namespace's own loopback
            await Clients.EchoLineAsync(client, "through the given socket");
        }

        Assert.False(host.Pending(), "the isolated program's connect reached the host's listener");

        using (Socket client = await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("open")))
        {
            Assert.Equal("connected", await Clients.ReadLineAsync(client));
            await Clients.EchoLineAsync(client, "through the given socket");
        }

        using Socket accepted = await host.AcceptSocketAsync().WaitAsync(Wait.DefaultTimeout);
    }

    [Fact]
    public async Task The_programs_network_namespace_has_only_loopback_and_it_is_up()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string lister = dir.WriteScript("interfaces.py", """
            #!/usr/bin/python3
            import socket
            names = [name for _, name in socket.if_nameindex()]
            server = socket.socket()
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            socket.create_connection(server.getsockname(), timeout=5).close()
            print(" ".join(names), "loopback works")
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": {
                "isolated": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "PrivateNetwork": true, "Exec": ["{{lister}}"] },
                "open": { "Listen": "tcp:127.0.0.1:0", "User": "nobody", "Exec": ["{{lister}}"] } } }
            """, dir);

        Assert.Equal("lo loopback works\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("isolated"))));
        // The host has more than loopback (else the first assertion shows nothing).
        Assert.NotEqual("lo loopback works\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, await daemon.PortOfAsync("open"))));
    }
}
