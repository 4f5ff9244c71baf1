using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Systemd;

/// <summary>A NOTIFY_SOCKET nobody listens on (left over from elsewhere) is worth a warning, never a crash: sd_notify(3) ignores it too.</summary>
public sealed class UnreachableNotifySocketTests
{
    [Fact]
    public async Task With_NOTIFY_SOCKET_at_a_missing_path_the_daemon_warns_once_serves_and_stops_cleanly()
    {
        using var dir = new TempDirectory();
        string missing = dir["nobody-listens-here.sock"];
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "sp": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/echo", "pong"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", config], dir, ownsDirectory: false, environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = missing });
        int port = await daemon.PortOfAsync("sp");

        // No READY=1 can arrive: the bridge answering is the readiness.
        string? answer = null;
        await Wait.UntilAsync(async () => !daemon.HasExited && (answer = await TryExchangeAsync(port)) is not null, "the bridge to answer");
        Assert.Equal("pong\n", answer);

        // It keeps serving past the status updates and notifications that follow readiness.
        await daemon.WaitForLogAsync("cannot notify the service manager");
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("pong\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port)));
        }

        CliResult status = await Fixtures.Cli.RunAsync("status", "--control", daemon.ControlSocket);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(0, await daemon.StopAsync());

        string warning = Assert.Single(daemon.Logs, l => l.Contains("cannot notify the service manager", StringComparison.Ordinal));
        Assert.Contains(missing, warning, StringComparison.Ordinal);
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("Unhandled exception", StringComparison.Ordinal) || l.StartsWith("   at ", StringComparison.Ordinal));
        Assert.Contains(daemon.Logs, l => l.Contains("stopped", StringComparison.Ordinal));
    }

    private static async Task<string?> TryExchangeAsync(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return await Clients.ReadToEndAsync(socket);
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
