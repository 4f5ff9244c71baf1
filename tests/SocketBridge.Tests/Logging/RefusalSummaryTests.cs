using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using SocketBridge.Logging;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Logging;

/// <summary>Refusals are summarised at one entry a second, and the summary loses none: the last second's count is logged when the flood stops.</summary>
public sealed partial class RefusalSummaryTests
{
    [Fact]
    public async Task After_2000_refusals_and_then_silence_the_logged_counts_add_up_to_2000()
    {
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "guarded": { "Listen": "tcp:127.0.0.1:0", "AllowFrom": ["10.0.0.0/8"], "User": "root", "Exec": ["/bin/echo", "never"] } } }
            """);
        int port = await daemon.PortOfAsync("guarded");

        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= 2000)
            {
                using Socket socket = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
                Assert.Equal(0, await Clients.DrainAsync(socket, Wait.DefaultTimeout));
            }
        })));

        await Wait.UntilAsync(() => LoggedRefusals(daemon) >= 2000, $"entries counting 2000 refusals (so far {LoggedRefusals(daemon)})");
        CliResult status = await Fixtures.Cli.RunAsync("status", "--json", "--control", daemon.ControlSocket);
        JsonElement guarded = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("Bridges").EnumerateArray().Single();
        Assert.Equal(2000, guarded.GetProperty("Refused").GetInt64());
        Assert.Equal(2000, LoggedRefusals(daemon));
        Assert.True(daemon.Logs.Count(l => l.Contains("guarded:", StringComparison.Ordinal)) < 20, "the flood was summarised, not logged one by one");
    }

    [Fact]
    public async Task After_300_connections_to_an_unreachable_Target_the_logged_counts_add_up_to_300()
    {
        int closed = Ports.Free();
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "fw": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{closed}}" } } }
            """);
        int port = await daemon.PortOfAsync("fw");

        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= 300)
            {
                using Socket socket = await Clients.ConnectTcpAsync(IPAddress.Loopback, port);
                Assert.Equal(0, await Clients.DrainAsync(socket, Wait.DefaultTimeout));
            }
        })));

        await Wait.UntilAsync(() => LoggedUnreachable(daemon) >= 300, $"entries counting 300 refusals (so far {LoggedUnreachable(daemon)})");
        Assert.Equal(300, LoggedUnreachable(daemon));
    }

    [Fact]
    public async Task The_count_left_at_the_end_of_a_period_is_flushed_with_the_last_event()
    {
        var flushed = new TaskCompletionSource<(long Count, int Last)>();
        using var summary = new LogSummary<int>(TimeProvider.System, TimeSpan.FromMilliseconds(200), (count, last) => flushed.TrySetResult((count, last)));

        Assert.True(summary.TryLog(0, out long none));
        Assert.Equal(0, none);
        for (int i = 1; i <= 10; i++)
        {
            Assert.False(summary.TryLog(i, out _));
        }

        Assert.Equal((10L, 10), await Wait.ForAsync(flushed.Task, "the flush after the period"));
    }

    [Fact]
    public async Task A_deferred_event_takes_the_period_and_is_counted_in_the_flush()
    {
        var flushed = new TaskCompletionSource<(long Count, int Last)>();
        using var summary = new LogSummary<int>(TimeProvider.System, TimeSpan.FromMilliseconds(200), (count, last) => flushed.TrySetResult((count, last)));

        Assert.True(summary.Defer(0));
        Assert.False(summary.TryLog(1, out _));

        Assert.Equal((2L, 1), await Wait.ForAsync(flushed.Task, "the flush after the period"));
    }

    /// <summary>What the entries about the bridge count: 1 for a refusal, 1 + N with "N more", N for a flush.</summary>
    private static long LoggedRefusals(Daemon daemon)
    {
        long total = 0;
        foreach (string line in daemon.Logs)
        {
            if (Flush().Match(line) is { Success: true } flush)
            {
                total += long.Parse(flush.Groups[1].Value);
            }
            else if (line.Contains("guarded: refused connection from", StringComparison.Ordinal))
            {
                total += 1 + (More().Match(line) is { Success: true } more ? long.Parse(more.Groups[1].Value) : 0);
            }
        }

        return total;
    }

    private static long LoggedUnreachable(Daemon daemon)
    {
        long total = 0;
        foreach (string line in daemon.Logs)
        {
            if (UnreachableFlush().Match(line) is { Success: true } flush)
            {
                total += long.Parse(flush.Groups[1].Value);
            }
            else if (line.Contains(": refused, cannot reach", StringComparison.Ordinal))
            {
                total += 1 + (UnreachableMore().Match(line) is { Success: true } more ? long.Parse(more.Groups[1].Value) : 0);
            }
        }

        return total;
    }

    [GeneratedRegex(@"fw: (\d+) more connection\(s\) refused since the last entry")]
    private static partial Regex UnreachableFlush();

    [GeneratedRegex(@"; (\d+) more refused for the same reason since the last entry")]
    private static partial Regex UnreachableMore();

    [GeneratedRegex(@"guarded: (\d+) more connection\(s\) refused since the last entry")]
    private static partial Regex Flush();

    [GeneratedRegex(@"; (\d+) more refused since the last entry")]
    private static partial Regex More();
}
