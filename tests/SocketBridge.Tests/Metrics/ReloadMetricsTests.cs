using System.Net;
using System.Net.Sockets;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// Prometheus takes a counter that goes down for a restart of its process,
/// and its rate for a lie: scrapes taken while reloads replace bridges (with
/// clients connecting all along) never see one, not even when a bridge
/// changes mode and becomes a new series.
/// </summary>
public sealed class ReloadMetricsTests
{
    [Fact]
    public async Task Scrapes_during_reloads_that_replace_bridges_and_change_a_mode_see_no_counter_go_backwards()
    {
        using var dir = new TempDirectory();
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        int churn = Ports.Free();
        int relay = Ports.Free();
        int morph = Ports.Free();
        const int Reloads = 10;
        const int ModeChange = 6; // from this version on, morph forwards instead of spawning
        string Config(int version) => $$"""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": {
                "churn": { "Listen": "tcp:127.0.0.1:{{churn}}", "User": "root", "Exec": ["/bin/echo", "v{{version}}"] },
                "relay": { "Listen": "tcp:127.0.0.1:{{relay}}", "Target": "tcp:127.0.0.1:{{backend.Port}}", "ConnectTimeout": "{{version + 1}}s" },
                "morph": { "Listen": "tcp:127.0.0.1:{{morph}}", {{(version < ModeChange
                    ? $"\"User\": \"root\", \"Exec\": [\"/bin/echo\", \"v{version}\"]"
                    : $"\"Target\": \"tcp:127.0.0.1:{backend.Port}\", \"ConnectTimeout\": \"{version + 1}s\"")}} } } }
            """;
        await using Daemon daemon = await Daemon.StartAsync(Config(0), dir);
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        using var stop = new CancellationTokenSource();
        int served = 0;
        Task traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (int port in (int[])[churn, relay, morph])
                {
                    try
                    {
                        if ((await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "x\n")).Length > 0)
                        {
                            Interlocked.Increment(ref served);
                        }
                    }
                    catch (Exception ex) when (ex is SocketException or TimeoutException or OperationCanceledException)
                    {
                        // Counting is what is checked here; ReloadTests check that clients are served.
                    }
                }
            }
        });

        var last = new Dictionary<string, double>();
        var lastByBridge = new Dictionary<string, double>();
        var backwards = new List<string>();
        var morphModes = new List<(string Mode, double Accepted)>();
        int scrapes = 0;
        Task scraping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                MetricsScrape scrape = await metrics.ScrapeAsync();
                scrapes++;

                // A series missing from a scrape is stale to Prometheus (a removed
                // bridge's): if it comes back, it is a new one.
                var present = scrape.Samples.Select(s => s.Series).ToHashSet();
                foreach (string gone in last.Keys.Where(k => !present.Contains(k)).ToList())
                {
                    last.Remove(gone);
                }
                foreach (MetricSample sample in scrape.Samples.Where(s => IsCounted(scrape, s.Name)))
                {
                    if (last.TryGetValue(sample.Series, out double before) && sample.Value < before)
                    {
                        backwards.Add($"scrape {scrapes}: {sample.Series} went from {before} to {sample.Value}");
                    }

                    last[sample.Series] = sample.Value;
                }

                // Per bridge name, whatever its mode: the new mode's series starts from the old one's counts.
                foreach (IGrouping<string, MetricSample> bridge in scrape.Where("socketbridge_connections_accepted_total").GroupBy(s => s.Labels["bridge"]))
                {
                    double accepted = bridge.Max(s => s.Value);
                    if (lastByBridge.TryGetValue(bridge.Key, out double before) && accepted < before)
                    {
                        backwards.Add($"scrape {scrapes}: bridge {bridge.Key} accepted went from {before} to {accepted} ({string.Join(", ", bridge)})");
                    }

                    lastByBridge[bridge.Key] = accepted;
                }

                foreach (MetricSample sample in scrape.Where("socketbridge_connections_accepted_total", ("bridge", "morph")))
                {
                    morphModes.Add((sample.Labels["mode"], sample.Value));
                }
            }
        });

        for (int version = 1; version <= Reloads; version++)
        {
            // Clients got through since the last reload, so each reload replaces bridges that counted something.
            int before = Volatile.Read(ref served);
            await Wait.UntilAsync(() => Volatile.Read(ref served) >= before + 3 || traffic.IsCompleted, "clients served between two reloads");
            dir.Write("config.json", Config(version));
            if (version % 2 == 0)
            {
                CliResult reload = await Fixtures.Cli.RunAsync("reload", "--control", daemon.ControlSocket);
                Assert.True(reload.ExitCode == 0, reload.ToString());
                Assert.True(reload.Stdout.Contains("3 changed", StringComparison.Ordinal), $"version {version}: {reload.Stdout}");
            }
            else
            {
                int reloaded = daemon.Logs.Count(l => l.Contains("reloaded:", StringComparison.Ordinal));
                daemon.Signal(LibC.SIGHUP);
                await Wait.UntilAsync(() => daemon.Logs.Count(l => l.Contains("reloaded:", StringComparison.Ordinal)) > reloaded, "the reload after SIGHUP");
            }

            Assert.Equal($"v{version}\n", await Clients.ReadToEndAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, churn)));
        }

        int after = Volatile.Read(ref served);
        await Wait.UntilAsync(() => Volatile.Read(ref served) >= after + 3 || traffic.IsCompleted, "clients served after the last reload");
        int scraped = scrapes;
        await Wait.UntilAsync(() => Volatile.Read(ref scrapes) >= scraped + 2 || scraping.IsCompleted, "two more scrapes");
        await stop.CancelAsync();
        await traffic;
        await scraping;

        Assert.True(backwards.Count == 0, $"{backwards.Count} counters went backwards:\n{string.Join('\n', backwards.Take(20))}");
        Assert.True(scrapes >= Reloads, $"only {scrapes} scrapes during {Reloads} reloads");
        MetricsScrape final = await metrics.ScrapeAsync();
        Assert.Equal(Reloads, final.Value("socketbridge_reloads_total", ("outcome", "success")));
        Assert.Equal(0, final.Value("socketbridge_reloads_total", ("outcome", "failure")));

        // morph was counted as a spawn bridge, then goes on as a forward one from at least that count.
        double spawned = morphModes.Where(m => m.Mode == "spawn").Max(m => m.Accepted);
        (string Mode, double Accepted) firstForward = morphModes.First(m => m.Mode == "forward");
        Assert.True(spawned > 0, "morph accepted nothing while it spawned");
        Assert.True(firstForward.Accepted >= spawned, $"morph's forward series started at {firstForward.Accepted}, below the {spawned} its spawn series had reached");
        Assert.Null(final.Find("socketbridge_connections_accepted_total", ("bridge", "morph"), ("mode", "spawn")));

        // Its spawn-mode histograms went with its spawn-mode counters.
        Assert.DoesNotContain(final.Samples, s => s.Labels.GetValueOrDefault("bridge") == "morph" && s.Labels.GetValueOrDefault("mode") == "spawn");
        Assert.Contains(final.Samples, s => s.Name == "socketbridge_connection_duration_seconds_count" && s.Labels.GetValueOrDefault("bridge") == "morph" && s.Labels.GetValueOrDefault("mode") == "forward");
        Assert.True(final.Value("socketbridge_connections_accepted_total", ("bridge", "morph"), ("mode", "forward")) > spawned);
    }

    /// <summary>A series that only grows: a counter's, or a histogram's buckets, sum and count.</summary>
    private static bool IsCounted(MetricsScrape scrape, string name)
    {
        foreach (string suffix in (string[])["", "_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && scrape.Types.TryGetValue(name[..^suffix.Length], out string? type))
            {
                return type == "counter" || (type == "histogram" && suffix.Length > 0);
            }
        }

        return false;
    }
}
