using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>The packaged units pass systemd's own checks (SPEC 7).</summary>
[Collection(PackagingGroup.Name)]
public sealed class SystemdUnitTests(DebianPackage package)
{
    [Fact]
    public async Task Systemd_analyze_verify_accepts_the_packaged_units_without_a_word()
    {
        // verify insists that ExecStart= exists: the copies point it at the unpacked package's program.
        string units = package.NewDirectory("units");
        string packaged = Path.Combine(package.Root, "lib/systemd/system");
        string program = Path.Combine(package.Root, "usr/sbin/socketbridge");
        string service = File.ReadAllText(Path.Combine(packaged, "socketbridge.service"));
        Assert.Contains("ExecStart=/usr/sbin/socketbridge run\n", service);
        File.WriteAllText(Path.Combine(units, "socketbridge.service"), service.Replace("/usr/sbin/socketbridge", program, StringComparison.Ordinal));
        File.Copy(Path.Combine(packaged, "socketbridge.socket"), Path.Combine(units, "socketbridge.socket"));

        // verify also looks up the pages Documentation= names with man(1): in the package's own.
        CliResult verify = await Tools.RunAsync("systemd-analyze",
            ["verify", Path.Combine(units, "socketbridge.service"), Path.Combine(units, "socketbridge.socket")],
            environment: new Dictionary<string, string?> { ["MANPATH"] = Path.Combine(package.Root, "usr/share/man") });

        // Unknown keys and bad values are only warnings: any output at all is a failure.
        Assert.True(verify.ExitCode == 0 && verify.Stdout.Length == 0 && verify.Stderr.Length == 0, verify.ToString());
    }
}
