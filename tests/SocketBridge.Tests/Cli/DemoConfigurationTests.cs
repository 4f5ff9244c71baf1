using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>
/// make run starts config/demo.json; as root (CI, a fresh machine) it adds
/// the drop-in config/demo-as-root.json, which gives every demo bridge a
/// User, since a bridge that launches a program must name one then.
/// </summary>
public sealed class DemoConfigurationTests
{
    private static readonly string Demo = Path.Combine(Binary.RepositoryRoot, "config", "demo.json");
    private static readonly string AsRoot = Path.Combine(Binary.RepositoryRoot, "config", "demo-as-root.json");

    [Fact]
    public async Task As_root_the_demo_needs_its_drop_in_which_runs_every_program_as_nobody()
    {
        CliResult alone = await Fixtures.Cli.RunAsync("check", "-c", Demo);
        CliResult withDropIn = await Fixtures.Cli.RunAsync("check", "-c", Demo, "-c", AsRoot);

        Assert.True(alone.ExitCode == 78, alone.ToString());
        Assert.Equal(["echo", "date", "hello"], alone.StderrLines.Select(l => l.Split(':')[2]));
        Assert.All(alone.StderrLines, l => Assert.Contains(":User: is required when socketbridge runs as root", l, StringComparison.Ordinal));

        Assert.True(withDropIn.ExitCode == 0, withDropIn.ToString());
        Assert.Equal(string.Empty, withDropIn.Stderr);
        string[] bridges = withDropIn.Stdout.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("    ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, bridges.Length);
        Assert.All(bridges, l => Assert.EndsWith("(runs as nobody)", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Make_run_adds_the_drop_in_as_root_and_only_for_the_demo()
    {
        var demo = await Clients.RunProgramAsync("/usr/bin/make", ["-n", "-C", Binary.RepositoryRoot, "run"]);
        var other = await Clients.RunProgramAsync("/usr/bin/make", ["-n", "-C", Binary.RepositoryRoot, "run", "CONFIG=config/examples/unix-socket.json"]);

        Assert.True(demo.ExitCode == 0, demo.Stderr);
        Assert.Contains("out/socketbridge run -c config/demo.json -c config/demo-as-root.json", demo.Stdout, StringComparison.Ordinal);
        Assert.Contains("out/socketbridge run -c config/examples/unix-socket.json\n", other.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("demo-as-root", other.Stdout, StringComparison.Ordinal);
    }
}
