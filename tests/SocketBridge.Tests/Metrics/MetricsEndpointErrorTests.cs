using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// A metrics endpoint that cannot work is said at once, like any Listen: a
/// start that cannot bind it stops with one entry naming the key, and
/// <c>check</c> refuses a kind of endpoint HTTP cannot be served on, or one
/// a bridge listens on too, naming the file and the key.
/// </summary>
public sealed class MetricsEndpointErrorTests
{
    [Fact]
    public async Task A_metrics_port_another_process_holds_stops_the_start_with_one_entry_naming_the_key_and_no_stack_trace()
    {
        using var dir = new TempDirectory();
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        int held = ((IPEndPoint)holder.LocalEndPoint!).Port;
        string config = dir.Write("config.json", $$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:{{held}}" },
              "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", config], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync(TimeSpan.FromSeconds(20)));
        string entry = Assert.Single(daemon.Logs);
        Assert.Contains($"cannot start: SocketBridge:Metrics: cannot listen on tcp:127.0.0.1:{held}: Address already in use", entry, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", entry, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", entry, StringComparison.Ordinal);
        Assert.DoesNotContain(daemon.Notifications, n => n.Contains("READY=1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("udp:127.0.0.1:{port}", "must be a tcp: or unix: endpoint")]
    [InlineData("fifo:{dir}/metrics.fifo", "must be a tcp: or unix: endpoint")]
    [InlineData("unix:@socketbridge-metrics", "must be a tcp: or unix: endpoint")]
    [InlineData("tcp:127.0.0.1:{port}", "overlaps bridge web's Listen (tcp:127.0.0.1:{port})")]
    [InlineData("unix:{dir}/web.sock", "is also bridge local's Listen")]
    public async Task Check_refuses_a_metrics_endpoint_HTTP_cannot_use_or_a_bridge_listens_on_naming_the_file_and_the_key(string metrics, string problem)
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string Fill(string text) => text.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("{dir}", dir.Path, StringComparison.Ordinal);
        string config = dir.Write("socketbridge.json", $$"""
            { "SocketBridge": { "Metrics": "{{Fill(metrics)}}" },
              "Bridges": {
                "web": { "Listen": "tcp:127.0.0.1:{{port}}", "User": "root", "Exec": ["/bin/cat"] },
                "local": { "Listen": "unix:{{dir["web.sock"]}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        string line = Assert.Single(result.StderrLines);
        Assert.StartsWith($"{config}: SocketBridge:Metrics: ", line, StringComparison.Ordinal);
        Assert.Contains(Fill(problem), line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_refuses_a_metrics_port_a_bridge_takes_on_every_address()
    {
        using var dir = new TempDirectory();
        int port = Ports.Free();
        string config = dir.Write("socketbridge.json", $$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:{{port}}" },
              "Bridges": { "everywhere": { "Listen": "tcp:*:{{port}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);

        CliResult result = await Fixtures.Cli.RunAsync("check", "-c", config);

        Assert.True(result.ExitCode == 78, result.ToString());
        Assert.Contains($"{config}: SocketBridge:Metrics: tcp:127.0.0.1:{port} overlaps bridge everywhere's Listen", result.Stderr, StringComparison.Ordinal);
    }
}
