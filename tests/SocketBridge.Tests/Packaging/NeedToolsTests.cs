using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// .ci/need-tools, which `make test` and the other targets run on their
/// COMMAND:PACKAGE lists before building: silent when everything is there;
/// for a user who cannot install, it stops with the exact apt-get command,
/// each package named once. (As root it would install: not exercised here.)
/// </summary>
public sealed class NeedToolsTests
{
    private static readonly string Script = Path.Combine(Binary.RepositoryRoot, ".ci", "need-tools");

    [Fact]
    public async Task Nothing_is_said_or_done_when_every_command_and_file_is_there()
    {
        // ip is in /usr/sbin (or /sbin), which an ordinary user's PATH may lack.
        CliResult result = await AsNobodyAsync("make test", "sh:dash", "/bin/sh:dash", "ip:iproute2");

        Assert.True(result.ExitCode == 0 && result.Stdout.Length == 0 && result.Stderr.Length == 0, result.ToString());
    }

    [Fact]
    public async Task A_user_who_cannot_install_is_stopped_with_the_command_naming_each_missing_package_once()
    {
        CliResult result = await AsNobodyAsync("make test", "sh:dash", "sb-no-such-tool:sb-package-a", "/sb/no/such/file:sb-package-b", "sb-other-tool:sb-package-a");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("make test: missing sb-no-such-tool /sb/no/such/file sb-other-tool.", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("\n  sudo apt-get install --no-install-recommends sb-package-a sb-package-b\n", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Make_test_deps_passes_on_this_machine_whose_suite_runs()
    {
        // The suite runs, so its tools are there: the Makefile's lists name real commands and packages' files.
        CliResult result = await Tools.RunAsync("make", ["-C", Binary.RepositoryRoot, "--no-print-directory", "-s", "test-deps", "test-native-deps"]);

        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
    }

    private static Task<CliResult> AsNobodyAsync(params string[] args) =>
        Tools.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", Script, .. args],
            environment: new Dictionary<string, string?> { ["PATH"] = "/usr/local/bin:/usr/bin:/bin" });
}
