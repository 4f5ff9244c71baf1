using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>Debian's package checker, lintian, at its default level, on the package `make deb` built.</summary>
[Collection(PackagingGroup.Name)]
public sealed class LintianTests(DebianPackage package)
{
    [Fact]
    public async Task Lintian_reports_no_error_and_no_warning_on_the_package()
    {
        // --allow-root: the suite runs as root, which lintian only warns about.
        CliResult lintian = await Tools.RunAsync("lintian", ["--allow-root", "--no-cfg", package.Path], TimeSpan.FromMinutes(2));

        string[] tags = lintian.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lintian.ExitCode == 0 && !tags.Any(t => t.StartsWith("E: ", StringComparison.Ordinal) || t.StartsWith("W: ", StringComparison.Ordinal)),
            lintian.ToString());
    }
}
