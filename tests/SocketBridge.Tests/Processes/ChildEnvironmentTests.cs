using System.Net;
using System.Net.Sockets;
using SocketBridge.Bridges;
using SocketBridge.Configuration;
using SocketBridge.Endpoints;
using SocketBridge.Processes;

namespace SocketBridge.Tests.Processes;

/// <summary>The child contract's table (SPEC 5): what each kind of launched program finds in its environment, in order.</summary>
[Trait("Category", "Unit")]
public sealed class ChildEnvironmentTests
{
    private const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    [Fact]
    public void A_backend_gets_PATH_the_bridge_Environment_and_the_bridge_name()
    {
        ChildEnvironment environment = ChildEnvironment.ForBackend("lazy", ["LANG=C.UTF-8", "HOME=/root"]);

        Assert.Equal([DefaultPath, "LANG=C.UTF-8", "HOME=/root", "SOCKETBRIDGE_BRIDGE=lazy"], environment.Fixed);
    }

    [Fact]
    public void PATH_set_in_Environment_replaces_the_default()
    {
        ChildEnvironment environment = ChildEnvironment.ForBackend("lazy", ["PATH=/opt/bin"]);

        Assert.Equal(["PATH=/opt/bin", "SOCKETBRIDGE_BRIDGE=lazy"], environment.Fixed);
    }

    [Fact]
    public void A_FIFO_session_gets_FIFO_PATH_and_its_session_id_and_no_socket_variables()
    {
        ChildEnvironment environment = ChildEnvironment.ForFifoSession("logs", ["LANG=C"], "/run/in.fifo");

        Assert.Equal(
            [DefaultPath, "LANG=C", "SOCKETBRIDGE_BRIDGE=logs", "FIFO_PATH=/run/in.fifo", "SOCKETBRIDGE_CONNECTION_ID=7"],
            environment.ForSession("7"));
    }

    [Fact]
    public void A_handoff_program_gets_every_socket_named_after_the_bridge_and_the_first_socket_described()
    {
        using Socket tcp = Bound(SocketType.Stream, ProtocolType.Tcp);
        using Socket udp = Bound(SocketType.Dgram, ProtocolType.Udp);
        int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
        BoundListener[] listeners = [new(tcp, new TcpEndpoint("127.0.0.1", port)), new(udp, new TcpEndpoint("127.0.0.1", port))];

        ChildEnvironment environment = ChildEnvironment.ForHandoff("dns", [], listeners);

        Assert.Equal(
            [
                DefaultPath, "SOCKETBRIDGE_BRIDGE=dns", "UPSTART_EVENTS=socket", "UPSTART_FDS=3", "UPSTART_JOB=dns",
                "LISTEN_FDS=2", "LISTEN_FDNAMES=dns:dns", "PROTO=inet", $"PORT={port}", "ADDR=127.0.0.1", "SOCKETBRIDGE_CONNECTION_ID=3",
            ],
            environment.ForSession("3"));
    }

    [Fact]
    public void A_handoff_program_on_a_Unix_socket_gets_SOCKET_PATH()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sb-env-{Guid.NewGuid():N}.sock");
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        unix.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            ChildEnvironment environment = ChildEnvironment.ForHandoff("u", [], [new BoundListener(unix, new UnixEndpoint(path))]);

            Assert.Equal(["PROTO=unix", $"SOCKET_PATH={path}"], environment.Fixed.Skip(environment.Fixed.Count - 2));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_connection_program_gets_the_listener_and_the_client()
    {
        using Socket listening = Bound(SocketType.Stream, ProtocolType.Tcp);
        listening.Listen();
        int port = ((IPEndPoint)listening.LocalEndPoint!).Port;
        var listener = new BoundListener(listening, new TcpEndpoint("127.0.0.1", port));
        var peer = new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000), Local = new IPEndPoint(IPAddress.Loopback, port) };
        using var connection = new Connection(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), "c1", peer, listener);

        string[] variables = ChildEnvironment.ForConnection("web", ["LANG=C"]).For(connection);

        Assert.Equal(
            [
                DefaultPath, "LANG=C", "LISTEN_FDS=1", "LISTEN_FDNAMES=connection", "UPSTART_EVENTS=socket", "UPSTART_FDS=3", "UPSTART_JOB=web",
                "SOCKETBRIDGE_BRIDGE=web", "SOCKETBRIDGE_CONNECTION_ID=c1", "PROTO=inet", $"PORT={port}", "ADDR=127.0.0.1",
                "REMOTE_ADDR=192.0.2.7", "REMOTE_PORT=40000", "TCPREMOTEIP=192.0.2.7", "TCPREMOTEPORT=40000",
                "TCPLOCALIP=127.0.0.1", $"TCPLOCALPORT={port}",
            ],
            variables);
    }

    [Fact]
    public void Every_variable_the_daemon_sets_is_reserved_so_configuration_cannot_set_it()
    {
        using Socket tcp = Bound(SocketType.Stream, ProtocolType.Tcp);
        var listener = new BoundListener(tcp, new TcpEndpoint("127.0.0.1", ((IPEndPoint)tcp.LocalEndPoint!).Port));
        var peer = new PeerInfo { Remote = new IPEndPoint(IPAddress.Loopback, 1), Local = new IPEndPoint(IPAddress.Loopback, 2), Credentials = (1, 2, 3) };
        using var connection = new Connection(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), "c", peer, listener);
        IEnumerable<string> all =
        [
            .. ChildEnvironment.ForConnection("b", []).For(connection),
            .. ChildEnvironment.ForHandoff("b", [], [listener]).ForSession("s"),
            .. ChildEnvironment.ForFifoSession("b", [], "/run/f").ForSession("s"),
            .. ChildEnvironment.ForBackend("b", []).Fixed,
        ];

        string[] names = [.. all.Select(v => v[..v.IndexOf('=', StringComparison.Ordinal)]).Where(n => n != "PATH").Distinct()];

        Assert.Contains("FIFO_PATH", names);
        Assert.All(names, name => Assert.True(ReservedVariables.Names.Contains(name), $"{name} is not reserved"));
    }

    [Fact]
    public void Connections_through_two_listeners_in_turn_each_get_their_own_listeners_PORT_and_ADDR()
    {
        // Each listener's variables are formatted once and kept: taking turns must not mix them up.
        using Socket first = Bound(SocketType.Stream, ProtocolType.Tcp);
        using Socket second = Bound(SocketType.Stream, ProtocolType.Tcp);
        int firstPort = ((IPEndPoint)first.LocalEndPoint!).Port;
        int secondPort = ((IPEndPoint)second.LocalEndPoint!).Port;
        var listeners = new[] { new BoundListener(first, new TcpEndpoint("127.0.0.1", firstPort)), new BoundListener(second, new TcpEndpoint("127.0.0.1", secondPort)) };
        ChildEnvironment environment = ChildEnvironment.ForConnection("web", []);

        foreach (int i in new[] { 0, 0, 1, 0, 1, 1 })
        {
            var peer = new PeerInfo { Remote = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000 + i) };
            using var connection = new Connection(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), $"c{i}", peer, listeners[i]);

            string[] variables = environment.For(connection);

            int port = i == 0 ? firstPort : secondPort;
            Assert.Equal(["PROTO=inet", $"PORT={port}", "ADDR=127.0.0.1", "REMOTE_ADDR=192.0.2.7", $"REMOTE_PORT={40000 + i}"], variables.Skip(environment.Fixed.Count + 1).Take(5));
            Assert.DoesNotContain(variables, v => v.StartsWith("TCPLOCAL", StringComparison.Ordinal));
        }
    }

    private static Socket Bound(SocketType type, ProtocolType protocol)
    {
        var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
