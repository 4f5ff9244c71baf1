using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Control;

/// <summary>
/// SocketBridge:Metrics is bound once, at start: <c>check</c> lists it, and
/// a reload that changes it says it moves at the next restart or re-exec,
/// while the endpoint in use goes on answering.
/// </summary>
public sealed class MetricsEndpointChangeTests
{
    [Fact]
    public async Task Check_lists_the_endpoint_and_a_reload_that_moves_it_warns_and_keeps_the_old_one_serving()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        int moved = Ports.Free();
        string Config(int metrics) => $$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:{{metrics}}" },
              "Bridges": { "b": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/true"] } } }
            """;
        string file = dir.Write("config.json", Config(port));

        CliResult check = await Fixtures.Cli.RunAsync("check", "-c", file);
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains($"metrics: GET /metrics on tcp:127.0.0.1:{port} (Prometheus's text format)", check.Stdout);

        await using Daemon daemon = await Daemon.StartAsync(["run", "-c", file], dir, ownsDirectory: false);
        dir.Write("config.json", Config(moved));
        CliResult reload = await Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
        Assert.True(reload.ExitCode == 0, reload.ToString());
        await daemon.WaitForLogAsync($"reload: Metrics changed from tcp:127.0.0.1:{port} to tcp:127.0.0.1:{moved}; the metrics endpoint changes at the next restart or re-exec");

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        await client.SendAsync("GET /metrics HTTP/1.0\r\n\r\n"u8.ToArray());
        string answer = await Clients.ReadToEndAsync(client);
        Assert.StartsWith("HTTP/1.1 200 OK", answer, StringComparison.Ordinal);
        Assert.Contains("socketbridge_reloads_total{outcome=\"success\"} 1", answer, StringComparison.Ordinal);
    }
}
