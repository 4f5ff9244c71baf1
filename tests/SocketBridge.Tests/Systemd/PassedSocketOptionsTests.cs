using System.Net;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;
using static SocketBridge.Tests.Fixtures.SocketOptionReports;

namespace SocketBridge.Tests.Systemd;

/// <summary>
/// Socket options on sockets systemd passed (systemd-socket-activate here):
/// those that can be set on a bound socket are, by the socket's kind; those
/// bound with it are the .socket unit's, and the log says they were not applied.
/// </summary>
public sealed class PassedSocketOptionsTests
{
    [Fact]
    public async Task A_passed_socket_gets_the_options_that_can_be_set_on_it_and_the_log_names_those_left_to_the_socket_unit()
    {
        using var dir = new TempDirectory();
        int adopted = Ports.Free(), named = Ports.Free();
        string program = Write(dir);
        dir.Write("config.json", $$"""
            { "Bridges": {
                "adopt": { "Listen": "tcp:127.0.0.1:{{adopted}}", "User": "root", "Exec": ["/bin/echo", "adopted"], "ReusePort": true, "FreeBind": true, "Mark": 5 },
                "web": { "Listen": "systemd:web", "Mode": "handoff", "User": "root", "Exec": ["{{program}}", "handoff"], "DeferAccept": "5s", "KeepAlive": true } } }
            """);
        Daemon daemon = Daemon.Launch(
            ["run", "-c", dir["config.json"]], dir, ownsDirectory: false,
            launcher: ["systemd-socket-activate", "-E", "NOTIFY_SOCKET", $"--listen=127.0.0.1:{adopted}", $"--listen=127.0.0.1:{named}", "--fdname=adopt:web"]);
        await using (daemon)
        {
            await Wait.UntilAsync(() => daemon.Logs.Count(l => l.StartsWith("Listening on ", StringComparison.Ordinal)) == 2, "systemd-socket-activate to listen");
            Assert.Equal("adopted\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, adopted)));
            await daemon.WaitReadyAsync();

            // The adopted socket has the mark; ReusePort and FreeBind were systemd's to set, and the log says so.
            Assert.Equal(5u, Assert.Single(await ListeningAsync(adopted)).Mark);
            await daemon.WaitForLogAsync($"adopt: tcp:127.0.0.1:{adopted} (passed by systemd as adopt): ReusePort, FreeBind not applied: the service manager bound this socket, so they are its .socket unit's to set (ReusePort=, FreeBind=)");

            // The named one, whose kind was known only at start, got the TCP options.
            JsonElement listener = Assert.Single((await AskAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, named))).GetProperty("listeners").EnumerateArray());
            Assert.Equal((7, 1, 0), (Option(listener, "defer_accept"), Option(listener, "keepalive"), Option(listener, "reuseport")));
        }
    }
}
