using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>`make install` honours PREFIX and DESTDIR, and keeps an existing configuration (SPEC 7).</summary>
[Collection(PackagingGroup.Name)]
public sealed class InstallTests(DebianPackage package)
{
    [Fact]
    public async Task Install_puts_the_program_units_and_configuration_under_DESTDIR()
    {
        string destdir = package.NewDirectory("install-usr");

        CliResult make = await package.MakeAsync("install", $"DESTDIR={destdir}");

        Assert.True(make.ExitCode == 0, make.ToString());
        AssertExecutable(Path.Combine(destdir, "usr/sbin/socketbridge"));
        Assert.Null(new FileInfo(Path.Combine(destdir, "usr/sbin/socketbridge")).LinkTarget);
        Assert.False(Directory.Exists(Path.Combine(destdir, "usr/lib/socketbridge")), "one native program, nothing beside it");
        Assert.Contains("ExecStart=/usr/sbin/socketbridge run\n", File.ReadAllText(Path.Combine(destdir, "lib/systemd/system/socketbridge.service")));
        Assert.True(File.Exists(Path.Combine(destdir, "lib/systemd/system/socketbridge.socket")));
        Assert.Equal(Packaged("socketbridge.json"), File.ReadAllText(Path.Combine(destdir, "etc/socketbridge/socketbridge.json")));
        Assert.Equal(Packaged("bridges.d/example.json.disabled"), File.ReadAllText(Path.Combine(destdir, "etc/socketbridge/bridges.d/example.json.disabled")));

        CliResult version = await Tools.RunAsync(Path.Combine(destdir, "usr/sbin/socketbridge"), ["--version"]);
        Assert.StartsWith(package.Version, version.Stdout);
    }

    [Fact]
    public async Task Install_under_another_PREFIX_keeps_an_existing_configuration_and_uninstall_leaves_it()
    {
        string destdir = package.NewDirectory("install-local");
        string config = Path.Combine(destdir, "etc/socketbridge/socketbridge.json");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, """{ "SocketBridge": { "LogLevel": "Debug" } }""");

        CliResult first = await package.MakeAsync("install", $"DESTDIR={destdir}", "PREFIX=/usr/local");
        CliResult again = await package.MakeAsync("install", $"DESTDIR={destdir}", "PREFIX=/usr/local");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        AssertExecutable(Path.Combine(destdir, "usr/local/sbin/socketbridge"));
        Assert.Contains("ExecStart=/usr/local/sbin/socketbridge run\n",
            File.ReadAllText(Path.Combine(destdir, "usr/local/lib/systemd/system/socketbridge.service")));
        Assert.Equal("""{ "SocketBridge": { "LogLevel": "Debug" } }""", File.ReadAllText(config));
        Assert.True(File.Exists(Path.Combine(destdir, "etc/socketbridge/bridges.d/example.json.disabled")));
        Assert.False(Directory.Exists(Path.Combine(destdir, "usr/lib")), "nothing outside PREFIX but /etc");
        string[] shared = ["usr/local/share/man/man8/socketbridge.8.gz", "usr/local/share/man/man5/socketbridge.json.5.gz",
            "usr/local/share/bash-completion/completions/socketbridge"];
        Assert.All(shared, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(Path.Combine(destdir, f))));

        CliResult uninstall = await package.MakeAsync("uninstall", $"DESTDIR={destdir}", "PREFIX=/usr/local");

        Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
        Assert.False(Path.Exists(Path.Combine(destdir, "usr/local/sbin/socketbridge")));
        Assert.False(File.Exists(Path.Combine(destdir, "usr/local/lib/systemd/system/socketbridge.service")));
        Assert.All(shared, f => Assert.False(File.Exists(Path.Combine(destdir, f)), $"{f} is removed"));
        Assert.Equal("""{ "SocketBridge": { "LogLevel": "Debug" } }""", File.ReadAllText(config));
    }

    private static string Packaged(string name) => File.ReadAllText(Path.Combine(Binary.RepositoryRoot, "packaging", name));

    private static void AssertExecutable(string path) =>
        Assert.True(File.Exists(path) && File.GetUnixFileMode(path).HasFlag(UnixFileMode.OtherExecute), $"{path} is an executable file");
}
