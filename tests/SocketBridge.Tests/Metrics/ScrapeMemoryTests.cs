using System.Net.Http;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// Prometheus scrapes every 15 s, for months: 1,000 scrapes must leave the
/// daemon's memory and descriptors where they were.
/// </summary>
public sealed class ScrapeMemoryTests
{
    /// <summary>
    /// Growth allowed over 1,000 scrapes. A scrape of this daemon is about
    /// 14 KiB of text; anything a scrape kept (its text, its buffer, its
    /// connection's state, a series or label array) would be at least 2 KiB
    /// each time, 2 MB over 1,000: the bound sits below that, above the
    /// page-sized noise of a settled .NET heap.
    /// </summary>
    private const long Bound = 2 * 1024 * 1024;

    /// <summary>
    /// The runtime made to settle at once, so that its own one-time steps
    /// are not taken for a leak. The test runs the JIT build; the shipped
    /// binary is NativeAOT and has no JIT: here tiered compilation
    /// recompiles hot methods whenever the machine gets to it, and each
    /// batch leaves 2 to 6 MB of the JIT's memory resident, once (measured:
    /// such a step within a run of 1,000 scrapes one run in two under the
    /// whole suite's load, none in 4,000 scrapes with it off). The GC's gen0
    /// budget, which .NET sizes from the CPU's cache and grows as it sees
    /// fit, and its region size (4 MiB by default) are fixed small for the
    /// same reason. What is left to see is what scrapes keep.
    /// </summary>
    private static readonly Dictionary<string, string> SettledRuntime = new()
    {
        ["DOTNET_TieredCompilation"] = "0",
        ["DOTNET_GCgen0size"] = "0x400000",
        ["DOTNET_GCRegionSize"] = "0x100000",
    };

    [Fact]
    public async Task A_thousand_scrapes_leave_resident_memory_and_descriptors_flat()
    {
        await using EveryModeDaemon busy = await EveryModeDaemon.StartAsync(SettledRuntime);
        await busy.DriveAsync(rounds: 3);
        Daemon daemon = busy.Daemon;
        using var keptAlive = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string url = $"http://127.0.0.1:{busy.Metrics.Port}/metrics";
        int size = (await busy.Metrics.ScrapeAsync()).Text.Length;

        // Half the scrapes on a new connection each, half on one kept alive, as Prometheus does.
        async Task ScrapeAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                if (i % 2 == 0)
                {
                    await busy.Metrics.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                }
                else
                {
                    Assert.NotEmpty(await keptAlive.GetStringAsync(url));
                }
            }
        }

        // Warm-up: the JIT's tiers, the GC's budgets and the shared buffer pool settle.
        // A scrape allocates some 17 KB, so the first collections (and the heap's
        // first growth with them) come after several hundred: 1,000 first, then
        // rounds of 100 until two in a row grow resident memory by less than 256 KiB each.
        await ScrapeAsync(1000);
        long before = ProcFs.ResidentBytes(daemon.Pid);
        int quiet = 0;
        for (int warm = 1000; warm < 2000 && quiet < 2; warm += 100)
        {
            await ScrapeAsync(100);
            long now = ProcFs.ResidentBytes(daemon.Pid);
            quiet = now - before < 256 * 1024 ? quiet + 1 : 0;
            before = now;
        }

        int descriptors = ProcFs.OpenDescriptors(daemon.Pid).Length;
        var trend = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            await ScrapeAsync(100);
            trend.Add($"{ProcFs.ResidentBytes(daemon.Pid) / 1024} KiB, {Threads(daemon.Pid)} threads");
        }

        long after = ProcFs.ResidentBytes(daemon.Pid);

        Assert.True(after - before < Bound, $"1,000 scrapes of {size} bytes grew the daemon's resident memory from {before / 1024} KiB to {after / 1024} KiB (+{(after - before) / 1024} KiB, bound {Bound / 1024} KiB); every 100 scrapes: {string.Join("; ", trend)}");
        keptAlive.Dispose();
        await Wait.UntilAsync(() => ProcFs.OpenDescriptors(daemon.Pid).Length <= descriptors, $"the daemon's descriptors back to {descriptors} after the scrapes; it has {ProcFs.OpenDescriptors(daemon.Pid).Length}");
    }

    private static int Threads(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal))[8..].Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_process_gauges_agree_with_what_proc_says_of_the_daemon()
    {
        await using Daemon daemon = await Daemon.StartAsync("""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": { "web": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        MetricsEndpoint metrics = await MetricsEndpoint.OfAsync(daemon);

        MetricsScrape scrape = await metrics.ScrapeAsync();
        long rss = ProcFs.ResidentBytes(daemon.Pid);
        int descriptors = ProcFs.OpenDescriptors(daemon.Pid).Length;
        int threads = Threads(daemon.Pid);
        long startTicks = long.Parse(File.ReadAllText($"/proc/{daemon.Pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19], System.Globalization.CultureInfo.InvariantCulture);
        double bootTime = double.Parse(File.ReadLines("/proc/stat").First(l => l.StartsWith("btime ", StringComparison.Ordinal))[6..], System.Globalization.CultureInfo.InvariantCulture);

        // Read a moment apart: within a few descriptors (the scrape's own connection), threads and megabytes.
        Assert.InRange(scrape.Value("socketbridge_open_fds"), descriptors - 4, descriptors + 4);
        Assert.InRange(scrape.Value("socketbridge_threads"), threads - 4, threads + 4);
        Assert.InRange(scrape.Value("socketbridge_resident_memory_bytes"), rss - (8 << 20), rss + (8 << 20));
        // As process_start_time_seconds is defined: boot time plus the process's start in ticks after boot (100 a second).
        Assert.Equal(bootTime + (startTicks / 100.0), scrape.Value("socketbridge_start_time_seconds"), 0.001);
        Assert.Equal(1, Assert.Single(scrape.Where("socketbridge_build_info")).Value);
    }
}
