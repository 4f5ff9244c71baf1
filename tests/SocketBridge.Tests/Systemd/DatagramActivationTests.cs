using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Systemd;

/// <summary>
/// The daemon socket-activated with datagram and seqpacket sockets
/// (ListenDatagram=, ListenSequentialPacket=), by systemd-socket-activate
/// --datagram and --seqpacket: taken by name or adopted by address, and
/// refused where the bridge's mode cannot serve them.
/// </summary>
public sealed class DatagramActivationTests
{
    /// <summary>Answers one datagram from fd 3 with its environment's say about the socket.</summary>
    private const string Answer = """
        #!/usr/bin/python3
        import os, socket
        s = socket.socket(fileno=3)
        data, sender = s.recvfrom(1024)
        s.sendto(f"{data.decode()} via {os.environ['LISTEN_FDNAMES']} {os.environ['PROTO']} {os.environ['ADDR']}:{os.environ['PORT']}".encode(), sender)
        """;

    [Theory]
    [InlineData("systemd:tftp", "tftp")]
    [InlineData("udp:127.0.0.1:{port}", null)]
    public async Task A_passed_udp_socket_is_served_by_a_handoff_bridge_by_name_or_by_address(string listen, string? name)
    {
        using var dir = new TempDirectory();
        int port = Ports.FreeUdp();
        string answer = dir.WriteScript("answer.py", Answer);
        dir.Write("config.json", $$"""
            { "Bridges": { "tftp": { "Listen": "{{listen.Replace("{port}", port.ToString())}}", "Mode": "handoff", "User": "root", "Exec": ["{{answer}}"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, "--datagram", $"127.0.0.1:{port}", name);

        // systemd-socket-activate execs the daemon when the first datagram waits: that one is served too.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.Equal($"first via tftp inet 127.0.0.1:{port}", await AskAsync(client, port, "first"));
        await daemon.WaitReadyAsync();
        await daemon.WaitForLogAsync($"tftp: listening on udp:127.0.0.1:{port} (passed by systemd as ");
        await daemon.WaitForLogAsync("watching the socket again");
        Assert.Equal($"second via tftp inet 127.0.0.1:{port}", await AskAsync(client, port, "second"));
    }

    [Fact]
    public async Task A_passed_datagram_socket_under_a_spawn_bridge_is_a_startup_error_naming_it()
    {
        using var dir = new TempDirectory();
        int port = Ports.FreeUdp();
        dir.Write("config.json", """
            { "Bridges": { "wrong": { "Listen": "systemd:wrong", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, "--datagram", $"127.0.0.1:{port}", "wrong");

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await client.SendToAsync("start"u8.ToArray(), new IPEndPoint(IPAddress.Loopback, port));

        Assert.Equal(1, await daemon.WaitExitAsync());
        Assert.Contains(daemon.Logs, l => l.Contains($"bridge wrong: Listen: systemd:wrong: it is a datagram socket (udp:127.0.0.1:{port} (passed by systemd as wrong)), which works in handoff mode only, not in spawn mode (set \"Mode\": \"handoff\")"));
    }

    [Fact]
    public async Task A_unix_seqpacket_Listen_adopts_the_passed_seqpacket_socket()
    {
        using var dir = new TempDirectory();
        string path = dir["activated.sock"];
        dir.Write("config.json", $$"""
            { "Bridges": { "packets": { "Listen": "unix-seqpacket:{{path}}", "User": "root",
                "Exec": ["{{ChildScripts.Python}}", "-c", "import socket, os; s = socket.socket(fileno=0); s.send(s.recv(100) + b' over ' + s.type.name.encode() + b' ' + os.environ['SOCKET_PATH'].encode())"] } } }
            """);
        await using Daemon daemon = await ActivateAsync(dir, "--seqpacket", path, names: null);

        using var connection = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        await connection.ConnectAsync(new UnixDomainSocketEndPoint(path)).WaitAsync(Wait.DefaultTimeout);
        await connection.SendAsync("hello"u8.ToArray());
        byte[] buffer = new byte[1024];
        int n = await connection.ReceiveAsync(buffer).WaitAsync(Wait.DefaultTimeout);

        Assert.Equal($"hello over SOCK_SEQPACKET {path}", Encoding.UTF8.GetString(buffer, 0, n));
        await daemon.WaitReadyAsync();
        await daemon.WaitForLogAsync($"packets: listening on unix-seqpacket:{path} (passed by systemd as ");
    }

    private static async Task<string> AskAsync(Socket client, int port, string text)
    {
        await client.SendToAsync(Encoding.UTF8.GetBytes(text), new IPEndPoint(IPAddress.Loopback, port));
        byte[] buffer = new byte[1024];
        int n = await client.ReceiveAsync(buffer).WaitAsync(Wait.DefaultTimeout);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    /// <summary>systemd-socket-activate with one socket of the given type (--datagram or --seqpacket), which execs the daemon when it is ready.</summary>
    private static async Task<Daemon> ActivateAsync(TempDirectory dir, string type, string address, string? names)
    {
        List<string> launcher = ["systemd-socket-activate", "-E", "NOTIFY_SOCKET", type, $"--listen={address}"];
        if (names is not null)
        {
            launcher.Add($"--fdname={names}");
        }

        Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false, launcher: [.. launcher]);
        await Wait.UntilAsync(() => daemon.Logs.Any(l => l.StartsWith("Listening on ", StringComparison.Ordinal)), "systemd-socket-activate to listen");
        return daemon;
    }
}
