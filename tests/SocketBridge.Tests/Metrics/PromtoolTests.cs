using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Metrics;

/// <summary>
/// Prometheus's own linter, <c>promtool check metrics</c> (Debian package
/// prometheus), finds no problem in a scrape that has every family of
/// series: bridges of every mode, with traffic.
/// </summary>
public sealed class PromtoolTests
{
    private const string Promtool = "/usr/bin/promtool";

    /// <summary>Every family the endpoint serves, with its TYPE.</summary>
    private static readonly Dictionary<string, string> Families = new()
    {
        ["socketbridge_connections_accepted_total"] = "counter",
        ["socketbridge_connections_refused_total"] = "counter",
        ["socketbridge_connections_active"] = "gauge",
        ["socketbridge_programs_launched_total"] = "counter",
        ["socketbridge_program_exits_total"] = "counter",
        ["socketbridge_launch_latency_seconds"] = "histogram",
        ["socketbridge_connection_duration_seconds"] = "histogram",
        ["socketbridge_forwarded_bytes_total"] = "counter",
        ["socketbridge_target_connect_failures_total"] = "counter",
        ["socketbridge_handoff_restarts_total"] = "counter",
        ["socketbridge_reloads_total"] = "counter",
        ["socketbridge_reexecs_total"] = "counter",
        ["socketbridge_open_fds"] = "gauge",
        ["socketbridge_resident_memory_bytes"] = "gauge",
        ["socketbridge_threads"] = "gauge",
        ["socketbridge_start_time_seconds"] = "gauge",
        ["socketbridge_build_info"] = "gauge",
    };

    [Fact]
    public async Task Promtool_finds_no_problem_in_a_scrape_with_every_family_of_series()
    {
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: install the Debian package prometheus (one of the test tools) to run this test");
        await using EveryModeDaemon busy = await EveryModeDaemon.StartAsync();
        await busy.DriveAsync(rounds: 3);
        MetricsScrape scrape = await busy.Metrics.ScrapeUntilAsync(
            s => s.Find("socketbridge_connection_duration_seconds_count", ("bridge", "ends")) == 3 && s.Find("socketbridge_program_exits_total", ("bridge", "job"), ("outcome", "status0")) == 3,
            "every connection ended and every program reaped");

        // Every family is there, with its type and at least one series.
        Assert.Equal(Families.OrderBy(f => f.Key), scrape.Types.OrderBy(f => f.Key));
        foreach ((string family, string type) in Families)
        {
            string sample = type == "histogram" ? family + "_bucket" : family;
            Assert.True(scrape.Samples.Any(s => s.Name == sample), $"no series of {family} in:\n{scrape.Text}");
        }

        (int exit, string output, string errors) = await Clients.RunProgramAsync(Promtool, ["check", "metrics"], scrape.Text);
        Assert.True(exit == 0 && output.Length == 0 && errors.Length == 0, $"promtool check metrics: exit {exit}\n{output}{errors}\non:\n{scrape.Text}");

        // The check is not vacuous: the same scrape with a counter's _total taken off is a problem to it.
        string broken = scrape.Text.Replace("socketbridge_handoff_restarts_total", "socketbridge_handoff_restarts", StringComparison.Ordinal);
        (int brokenExit, string brokenOutput, string brokenErrors) = await Clients.RunProgramAsync(Promtool, ["check", "metrics"], broken);
        Assert.NotEqual(0, brokenExit);
        Assert.Contains("_total", brokenOutput + brokenErrors, StringComparison.Ordinal);
    }
}
