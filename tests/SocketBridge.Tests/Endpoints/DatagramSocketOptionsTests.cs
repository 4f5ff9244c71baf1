using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// The socket options reach datagram sockets where they mean something
/// (systemd.socket applies them to ListenDatagram= too): a udp: socket
/// takes the IP ones and its own buffer sizes, a unix-dgram: one its buffer
/// sizes and PassCredentials, each read back by the handoff program.
/// </summary>
public sealed class DatagramSocketOptionsTests
{
    [Fact]
    public async Task A_udp_and_a_unix_dgram_socket_get_the_options_that_apply_to_them()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string path = dir["dgram.sock"];
        string program = dir.WriteScript("options.py", $$"""
            #!{{ChildScripts.Python}}
            import json, socket
            def options(fd, family):
                s = socket.socket(family, socket.SOCK_DGRAM, fileno=fd)
                o = lambda level, name: s.getsockopt(level, name)
                report = {"rcvbuf": o(socket.SOL_SOCKET, socket.SO_RCVBUF), "sndbuf": o(socket.SOL_SOCKET, socket.SO_SNDBUF),
                          "mark": o(socket.SOL_SOCKET, socket.SO_MARK), "reuseport": o(socket.SOL_SOCKET, socket.SO_REUSEPORT)}
                if family == socket.AF_UNIX:
                    report["passcred"] = o(socket.SOL_SOCKET, socket.SO_PASSCRED)
                else:
                    report["freebind"] = o(socket.SOL_IP, 15)  # IP_FREEBIND
                    report["device"] = s.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, 16).rstrip(b"\0").decode()
                s.detach()
                return report
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, fileno=3)
            data, sender = udp.recvfrom(100)
            udp.sendto(json.dumps({"udp": options(3, socket.AF_INET), "unix": options(4, socket.AF_UNIX)}).encode(), sender)
            udp.detach()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "dgram": {
                "Listen": ["udp:127.0.0.1:{{port}}", "unix-dgram:{{path}}"], "Mode": "handoff", "User": "root", "Exec": ["{{program}}"],
                "ReusePort": true, "FreeBind": true, "BindToDevice": "lo", "ReceiveBuffer": "100K", "SendBuffer": "40K",
                "Mark": 7, "PassCredentials": true } } }
            """, dir);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendToAsync(Encoding.ASCII.GetBytes("options?"), new IPEndPoint(IPAddress.Loopback, port));
        byte[] buffer = new byte[4096];
        SocketReceiveFromResult reply = await Wait.ForAsync(
            client.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0)), "the program's answer");
        JsonElement report = ChildScripts.Parse(Encoding.ASCII.GetString(buffer, 0, reply.ReceivedBytes));

        JsonElement udp = report.GetProperty("udp"), unix = report.GetProperty("unix");
        // The kernel doubles a buffer size it is given (socket(7)).
        Assert.Equal((2 * 100 * 1024, 2 * 40 * 1024), (udp.GetProperty("rcvbuf").GetInt32(), udp.GetProperty("sndbuf").GetInt32()));
        Assert.Equal((1, 1, 7, "lo"), (udp.GetProperty("reuseport").GetInt32(), udp.GetProperty("freebind").GetInt32(), udp.GetProperty("mark").GetInt32(), udp.GetProperty("device").GetString()));
        Assert.Equal((2 * 100 * 1024, 2 * 40 * 1024), (unix.GetProperty("rcvbuf").GetInt32(), unix.GetProperty("sndbuf").GetInt32()));
        Assert.Equal((1, 0, 0), (unix.GetProperty("passcred").GetInt32(), unix.GetProperty("mark").GetInt32(), unix.GetProperty("reuseport").GetInt32()));
    }
}
