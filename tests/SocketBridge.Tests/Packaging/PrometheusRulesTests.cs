using System.Net.Http;
using System.Text.RegularExpressions;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// The example Prometheus configuration and alert rules of packaging/prometheus/
/// (issue 19): promtool (Debian package prometheus) accepts them, the alerts
/// fire on the series of their unit-test file and stay quiet on the others,
/// and every series and label value they name is one the real daemon serves.
/// </summary>
public sealed partial class PrometheusRulesTests
{
    private const string Promtool = "/usr/bin/promtool";

    private static readonly string Directory = Path.Combine(Binary.RepositoryRoot, "packaging", "prometheus");

    private static string Alerts => Path.Combine(Directory, "socketbridge-alerts.yml");

    [Fact]
    public async Task Promtool_check_rules_accepts_the_alert_rules()
    {
        CliResult check = await Tools.RunAsync(Promtool, ["check", "rules", Alerts]);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("SUCCESS: 8 rules found", check.Stdout + check.Stderr);
    }

    [Fact]
    public async Task Promtool_check_config_accepts_the_scrape_configuration_and_the_rules_it_loads()
    {
        CliResult check = await Tools.RunAsync(Promtool, ["check", "config", Path.Combine(Directory, "socketbridge-scrape.yml")]);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("SUCCESS: 1 rule files found", check.Stdout + check.Stderr);
        Assert.Contains("SUCCESS: 8 rules found", check.Stdout + check.Stderr);
    }

    [Fact]
    public async Task Promtool_test_rules_shows_each_alert_firing_on_its_series_and_quiet_otherwise()
    {
        // promtool reads the rule files named in the test file relative to it.
        CliResult test = await Tools.RunAsync(Promtool, ["test", "rules", Path.Combine(Directory, "socketbridge-alerts.test.yml")]);

        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Contains("SUCCESS", test.Stdout + test.Stderr);
        string tests = File.ReadAllText(Path.Combine(Directory, "socketbridge-alerts.test.yml"));
        foreach (string alert in AlertNames())
        {
            Assert.True(tests.Contains($"alertname: {alert}\n", StringComparison.Ordinal), $"the unit tests check {alert}");
        }
    }

    [Fact]
    public async Task Promtool_test_rules_fails_when_an_alert_does_not_fire_as_the_tests_expect()
    {
        // The same unit tests against rules whose thresholds were raised out of
        // reach: the tests must notice, or they prove nothing.
        using var directory = new TempDirectory();
        string rules = File.ReadAllText(Alerts).Replace(") > 0\n", ") > 1000000\n", StringComparison.Ordinal);
        Assert.NotEqual(File.ReadAllText(Alerts), rules);
        directory.Write("socketbridge-alerts.yml", rules);
        string tests = directory.Write("socketbridge-alerts.test.yml", File.ReadAllText(Path.Combine(Directory, "socketbridge-alerts.test.yml")));

        CliResult test = await Tools.RunAsync(Promtool, ["test", "rules", tests]);

        Assert.True(test.ExitCode != 0, test.ToString());
        Assert.Contains("alertname: SocketBridgeRefusingConnections", test.Stdout + test.Stderr);
        Assert.Contains("alertname: SocketBridgeTargetUnreachable", test.Stdout + test.Stderr);
    }

    [Fact]
    public async Task Every_series_and_label_value_the_alerts_name_is_served_by_the_daemon()
    {
        // One bridge of each mode, before any connection: some series exist
        // only for forward bridges (connect failures) or handoff bridges
        // (restarts), and the alerts must not depend on one that appears late.
        await using Daemon daemon = await Daemon.StartAsync("""
            { "SocketBridge": { "Metrics": "tcp:127.0.0.1:0" },
              "Bridges": {
                "spawned": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "handed": { "Listen": "tcp:127.0.0.1:0", "Mode": "handoff", "User": "root", "Exec": ["/bin/sleep", "600"] },
                "relayed": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:9" } } }
            """);
        string line = await daemon.WaitForLogAsync(l => MetricsUrl().IsMatch(l), "the metrics endpoint's address");
        using var http = new HttpClient();

        string scrape = await http.GetStringAsync(new Uri(MetricsUrl().Match(line).Groups["url"].Value));

        string expressions = string.Join('\n', File.ReadAllLines(Alerts).Where(l => !l.TrimStart().StartsWith('#')));
        Match[] selectors = [.. Selector().Matches(expressions).Cast<Match>()];
        Assert.NotEmpty(selectors);
        foreach (Match selector in selectors)
        {
            string family = selector.Groups["name"].Value;
            string[] samples = [.. scrape.Split('\n').Where(s => s.StartsWith(family + "{", StringComparison.Ordinal) || s.StartsWith(family + " ", StringComparison.Ordinal))];
            Assert.True(samples.Length > 0, $"the alerts use {family}, which the daemon does not serve:\n{scrape}");
            foreach (Match matcher in Matcher().Matches(selector.Groups["matchers"].Value).Cast<Match>())
            {
                string label = $"{matcher.Groups["label"].Value}=\"{matcher.Groups["value"].Value}\"";
                Assert.True(samples.Any(s => s.Contains(label, StringComparison.Ordinal)), $"the alerts match {family}{{{label}}}, which no sample has:\n{string.Join('\n', samples)}");
            }
        }
    }

    private static IEnumerable<string> AlertNames() =>
        File.ReadAllLines(Alerts).Select(l => l.Trim()).Where(l => l.StartsWith("- alert: ", StringComparison.Ordinal)).Select(l => l["- alert: ".Length..]);

    [GeneratedRegex(@"metrics: Prometheus's text format at (?<url>http://[^ ]+/metrics)")]
    private static partial Regex MetricsUrl();

    [GeneratedRegex(@"(?<name>socketbridge_[a-z_]+)(\{(?<matchers>[^}]*)\})?")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(?<label>[a-z_]+)\s*!?=\s*""(?<value>[^""]*)""")]
    private static partial Regex Matcher();
}
