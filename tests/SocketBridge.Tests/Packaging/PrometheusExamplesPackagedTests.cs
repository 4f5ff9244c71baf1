using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// The package (and so `make install`) ships the Prometheus examples of
/// packaging/prometheus/ together, where the scrape configuration finds the
/// rules it names.
/// </summary>
[Collection(PackagingGroup.Name)]
public sealed class PrometheusExamplesPackagedTests(DebianPackage package)
{
    private static readonly string[] Files = ["socketbridge-scrape.yml", "socketbridge-alerts.yml", "socketbridge-alerts.test.yml"];

    [Fact]
    public async Task The_package_ships_the_scrape_configuration_and_alert_rules_as_examples_that_promtool_accepts()
    {
        string examples = Path.Combine(package.Root, "usr/share/doc/socketbridge/examples/prometheus");

        foreach (string file in Files)
        {
            string shipped = Path.Combine(examples, file);
            Assert.True(File.Exists(shipped), $"the package has {shipped}");
            Assert.Equal(File.ReadAllText(Path.Combine(Binary.RepositoryRoot, "packaging", "prometheus", file)), File.ReadAllText(shipped));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(shipped));
        }

        CliResult config = await Tools.RunAsync("/usr/bin/promtool", ["check", "config", Path.Combine(examples, "socketbridge-scrape.yml")]);
        CliResult rules = await Tools.RunAsync("/usr/bin/promtool", ["test", "rules", Path.Combine(examples, "socketbridge-alerts.test.yml")]);

        Assert.True(config.ExitCode == 0, config.ToString());
        Assert.True(rules.ExitCode == 0, rules.ToString());
    }
}
