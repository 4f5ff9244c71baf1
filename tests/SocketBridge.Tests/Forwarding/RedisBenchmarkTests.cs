using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Forwarding;

/// <summary>
/// A common tool behind a bridge with nothing but Listen and Target:
/// redis-benchmark, whose 50 clients reconnect between its tests, so a
/// forwarded connection still closing and its replacement briefly count
/// together. With the old default of 64 connections runs failed ("Error:
/// Connection reset by peer").
/// </summary>
public sealed class RedisBenchmarkTests
{
    private const int Runs = 3;

    [Fact]
    public async Task Redis_benchmark_with_its_default_50_clients_runs_without_an_error_behind_a_default_forward_bridge()
    {
        using var dir = new TempDirectory();
        int redisPort = Ports.Free(), port = Ports.Free();
        // In the foreground, on a port of its own, saving nothing.
        await using ServerProcess redis = await ServerProcess.StartAsync(
            "redis-server", ["--save", "", "--appendonly", "no", "--port", redisPort.ToString(), "--bind", "127.0.0.1", "--dir", dir.Path], redisPort);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "redis": { "Listen": "tcp:127.0.0.1:{{port}}", "Target": "tcp:127.0.0.1:{{redisPort}}" } } }
            """, dir);

        for (int run = 1; run <= Runs; run++)
        {
            // redis-benchmark retries a connection it cannot make without end: the timeout stops it.
            var (exit, stdout, stderr) = await Clients.RunProgramAsync("redis-benchmark", ["-p", port.ToString(), "-q", "-n", "20000"], timeout: TimeSpan.FromMinutes(2));
            string output = (stdout + stderr).Replace('\r', '\n');
            Assert.True(exit == 0 && !output.Contains("Error", StringComparison.OrdinalIgnoreCase),
                $"run {run} of {Runs}: redis-benchmark exited with {exit}:\n{string.Join('\n', output.Split('\n').Where(l => !l.Contains("rps=") && l.Trim().Length > 0))}\nthe daemon's log:\n{string.Join('\n', daemon.Logs.TakeLast(20))}");
            // Every test ran to its end, the last one included.
            Assert.Contains("MSET (10 keys): ", output);
        }

        CliResult status = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        JsonElement bridge = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("Bridges").EnumerateArray().Single();
        Assert.Equal(0, bridge.GetProperty("Refused").GetInt64());
        Assert.DoesNotContain(daemon.Logs, l => l.Contains(" WRN ", StringComparison.Ordinal) || l.Contains(" ERR ", StringComparison.Ordinal));
        await daemon.AssertResourcesReturnToBaselineAsync();
    }
}
