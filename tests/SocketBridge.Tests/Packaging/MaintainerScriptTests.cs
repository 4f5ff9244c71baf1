using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// The package's postinst, prerm and postrm, run as dpkg runs them, with a
/// stand-in systemctl that records its arguments, in a mount namespace whose
/// /run says whether systemd is running.
/// </summary>
[Collection(PackagingGroup.Name)]
public sealed class MaintainerScriptTests(DebianPackage package)
{
    [Fact]
    public async Task A_first_install_reloads_systemd_and_neither_enables_nor_starts_anything()
    {
        string[] calls = await RunScriptsAsync(systemdRunning: true, ["postinst", "configure"]);

        Assert.Equal(["daemon-reload"], calls);
    }

    [Fact]
    public async Task An_upgrade_restarts_the_daemon_only_if_it_was_running()
    {
        string[] calls = await RunScriptsAsync(systemdRunning: true, ["prerm", "upgrade", "9.9.9"], ["postinst", "configure", "0.0.1"]);

        Assert.Equal(["daemon-reload", "try-restart socketbridge.service"], calls);
    }

    [Fact]
    public async Task Removal_stops_the_socket_and_the_daemon_then_reloads_systemd()
    {
        string[] calls = await RunScriptsAsync(systemdRunning: true, ["prerm", "remove"], ["postrm", "remove"], ["postrm", "purge"]);

        Assert.Equal(["stop socketbridge.socket socketbridge.service", "daemon-reload", "daemon-reload"], calls);
    }

    [Fact]
    public async Task Without_systemd_running_the_scripts_call_no_systemctl()
    {
        string[] calls = await RunScriptsAsync(systemdRunning: false,
            ["postinst", "configure"], ["postinst", "configure", "0.0.1"], ["prerm", "remove"], ["postrm", "remove"], ["postrm", "purge"]);

        Assert.Empty(calls);
    }

    [Fact]
    public async Task Purge_into_another_root_removes_its_enablement_links_and_leaves_this_systemd_alone()
    {
        string root = package.NewDirectory("purge-root");
        string wants = Path.Combine(root, "etc/systemd/system/multi-user.target.wants");
        Directory.CreateDirectory(wants);
        File.CreateSymbolicLink(Path.Combine(wants, "socketbridge.service"), "/lib/systemd/system/socketbridge.service");
        File.CreateSymbolicLink(Path.Combine(wants, "other.service"), "/lib/systemd/system/other.service");

        string[] calls = await RunScriptsAsync(systemdRunning: true, dpkgRoot: root, ["postrm", "purge"]);

        Assert.Empty(calls);
        Assert.False(Path.Exists(Path.Combine(wants, "socketbridge.service")));
        Assert.NotNull(new FileInfo(Path.Combine(wants, "other.service")).LinkTarget);
    }

    private Task<string[]> RunScriptsAsync(bool systemdRunning, params string[][] scripts) => RunScriptsAsync(systemdRunning, null, scripts);

    /// <summary>Runs each of <paramref name="scripts"/> (name, then arguments) in turn; returns the systemctl calls, one per line.</summary>
    private async Task<string[]> RunScriptsAsync(bool systemdRunning, string? dpkgRoot, params string[][] scripts)
    {
        string work = package.NewDirectory($"scripts-{Guid.NewGuid():N}");
        string control = Path.Combine(work, "DEBIAN");
        await Tools.RunOkAsync("dpkg-deb", "-e", package.Path, control);
        string bin = Path.Combine(work, "bin");
        Directory.CreateDirectory(bin);
        string log = Path.Combine(work, "systemctl.log");
        File.WriteAllText(log, "");
        File.WriteAllText(Path.Combine(bin, "systemctl"), $"#!/bin/sh\necho \"$*\" >> '{log}'\n");
        File.SetUnixFileMode(Path.Combine(bin, "systemctl"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // dpkg runs maintainer scripts with a PATH like this one, and DPKG_ROOT set (empty unless --root with chrootless scripts).
        string run = string.Join('\n', scripts.Select(s =>
            $"env -i PATH='{bin}:/usr/sbin:/usr/bin:/sbin:/bin' DPKG_ROOT='{dpkgRoot}' '{Path.Combine(control, s[0])}' {string.Join(' ', s[1..])}"));
        string script = $"""
            mount -t tmpfs -o size=1m none /run
            {(systemdRunning ? "mkdir -p /run/systemd/system" : "")}
            {run}
            """;
        CliResult result = await Tools.InMountNamespaceAsync(script, []);

        Assert.True(result.ExitCode == 0, $"maintainer scripts: {result}");
        return File.ReadAllLines(log);
    }
}
