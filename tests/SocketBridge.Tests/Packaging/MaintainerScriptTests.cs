using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// The package's postinst, prerm and postrm, run as dpkg runs them, in a
/// mount namespace whose /run says whether systemd is running, with stand-ins
/// for what they call on this machine (systemctl, deb-systemd-invoke,
/// deb-systemd-helper, socketbridge), each of which records its arguments.
/// </summary>
[Collection(PackagingGroup.Name)]
public sealed class MaintainerScriptTests(DebianPackage package)
{
    private const string DaemonReload = "systemctl --system daemon-reload";
    private const string Reexec = "socketbridge reexec";

    [Fact]
    public async Task A_first_install_reloads_systemd_records_the_units_and_neither_enables_nor_starts_anything()
    {
        ScriptRun run = await RunScriptsAsync(new StandIns(), ["postinst", "configure"]);

        Assert.Equal(
            ["deb-systemd-helper update-state socketbridge.service", "deb-systemd-helper update-state socketbridge.socket", DaemonReload],
            run.Actions);
        Assert.Equal("", run.Result.Stdout + run.Result.Stderr);
    }

    [Fact]
    public async Task An_upgrade_stops_nothing_and_re_executes_the_running_daemon()
    {
        var standIns = new StandIns { ReexecStdout = "re-executed: socketbridge 4242 runs /usr/sbin/socketbridge\n" };

        ScriptRun run = await RunScriptsAsync(standIns, ["prerm", "upgrade", "9.9.9"], ["postinst", "configure", "0.0.1"]);

        Assert.DoesNotContain(run.Calls, c => c.Contains("stop", StringComparison.Ordinal) || c.Contains("start", StringComparison.Ordinal));
        Assert.Equal([DaemonReload, Reexec], run.Actions.Where(c => !c.StartsWith("deb-systemd-helper ", StringComparison.Ordinal)));
        Assert.Contains("re-executed: socketbridge 4242 runs /usr/sbin/socketbridge", run.Result.Stdout);
        Assert.Equal("", run.Result.Stderr);
    }

    [Fact]
    public async Task An_upgrade_keeps_the_links_of_units_the_administrator_enabled()
    {
        var standIns = new StandIns { Enabled = ["socketbridge.socket"] };

        ScriptRun run = await RunScriptsAsync(standIns, ["postinst", "configure", "0.0.1"]);

        Assert.Contains("deb-systemd-helper enable socketbridge.socket", run.Actions);
        Assert.DoesNotContain("deb-systemd-helper enable socketbridge.service", run.Actions);
    }

    [Fact]
    public async Task An_upgrade_with_no_daemon_running_starts_nothing_and_says_nothing()
    {
        var standIns = new StandIns
        {
            ReexecExitCode = 69,
            ReexecStderr = "socketbridge reexec: cannot reach the daemon at /run/socketbridge/control.sock: no daemon is listening there (is socketbridge running?)\n",
        };

        ScriptRun run = await RunScriptsAsync(standIns, ["prerm", "upgrade", "9.9.9"], ["postinst", "configure", "0.0.1"]);

        Assert.Contains(Reexec, run.Calls);
        Assert.DoesNotContain(run.Calls, c => c.Contains("start", StringComparison.Ordinal));
        Assert.Equal("", run.Result.Stdout + run.Result.Stderr);
    }

    [Fact]
    public async Task The_postinst_knows_no_daemon_running_by_what_socketbridge_reexec_says_of_an_empty_control_socket()
    {
        string path = Path.Combine(package.NewDirectory($"no-daemon-{Guid.NewGuid():N}"), "control.sock");

        CliResult reexec = await Tools.RunAsync(Path.Combine(package.Root, "usr/sbin/socketbridge"), ["reexec", "--control", path]);

        // The text the postinst looks for to stay silent when nothing runs.
        Assert.Equal(69, reexec.ExitCode);
        Assert.Contains("no daemon is listening there", reexec.Stderr);
    }

    [Fact]
    public async Task An_upgrade_whose_daemon_does_not_answer_in_time_succeeds_and_says_so()
    {
        var standIns = new StandIns
        {
            ReexecExitCode = 69,
            ReexecStderr = "socketbridge reexec: the daemon at /run/socketbridge/control.sock did not answer within 90 s\n",
        };

        ScriptRun run = await RunScriptsAsync(standIns, ["postinst", "configure", "0.0.1"]);

        Assert.Contains("could not ask the running daemon to re-execute", run.Result.Stderr);
        Assert.Contains("  socketbridge reexec: the daemon at /run/socketbridge/control.sock did not answer within 90 s\n", run.Result.Stderr);
        Assert.Contains("keeps the previous version", run.Result.Stderr);
    }

    [Fact]
    public async Task An_upgrade_whose_re_exec_the_new_version_refuses_succeeds_and_says_the_old_daemon_keeps_serving()
    {
        var standIns = new StandIns
        {
            ReexecExitCode = 78,
            ReexecStderr = "socketbridge reexec: refused: /usr/sbin/socketbridge refuses the configuration\n"
                + "/etc/socketbridge/bridges.d/echo.json: Bridges:echo:Lisen: unknown key\n",
        };

        ScriptRun run = await RunScriptsAsync(standIns, ["postinst", "configure", "0.0.1"]);

        Assert.Contains(Reexec, run.Calls);
        Assert.Contains("NOT re-executed", run.Result.Stderr);
        Assert.Contains("  socketbridge reexec: refused: /usr/sbin/socketbridge refuses the configuration\n", run.Result.Stderr);
        Assert.Contains("  /etc/socketbridge/bridges.d/echo.json: Bridges:echo:Lisen: unknown key\n", run.Result.Stderr);
        Assert.Contains("keeps running", run.Result.Stderr);
        Assert.Contains("socketbridge check", run.Result.Stderr);
        Assert.DoesNotContain(run.Calls, c => c.Contains("restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upgrade_whose_re_exec_fails_otherwise_succeeds_and_says_how_to_retry()
    {
        var standIns = new StandIns
        {
            ReexecExitCode = 1,
            ReexecStderr = "socketbridge reexec: refused: /usr/sbin/socketbridge check was killed by SIGSEGV\n",
        };

        ScriptRun run = await RunScriptsAsync(standIns, ["postinst", "configure", "0.0.1"]);

        Assert.Contains("NOT re-executed", run.Result.Stderr);
        Assert.Contains("  socketbridge reexec: refused: /usr/sbin/socketbridge check was killed by SIGSEGV\n", run.Result.Stderr);
        Assert.Contains("keeps running and serving the previous version", run.Result.Stderr);
        Assert.Contains("Run socketbridge reexec to try again", run.Result.Stderr);
    }

    [Fact]
    public async Task A_policy_rc_d_that_forbids_touching_services_prevents_the_re_exec()
    {
        ScriptRun run = await RunScriptsAsync(new StandIns { PolicyExitCode = 101 }, ["postinst", "configure", "0.0.1"]);

        Assert.Contains("policy-rc.d socketbridge.service restart", run.Calls);
        Assert.DoesNotContain(Reexec, run.Calls);
        Assert.Contains("policy-rc.d forbids touching the running daemon: not re-executed", run.Result.Stderr);
    }

    [Fact]
    public async Task A_policy_rc_d_that_allows_it_lets_the_re_exec_run()
    {
        ScriptRun run = await RunScriptsAsync(new StandIns { PolicyExitCode = 0 }, ["postinst", "configure", "0.0.1"]);

        Assert.Equal(["policy-rc.d socketbridge.service restart", Reexec], run.Calls.Where(c => !c.StartsWith("deb-systemd-helper ", StringComparison.Ordinal) && c != DaemonReload));
    }

    [Fact]
    public async Task Removal_stops_the_socket_and_the_daemon_reloads_systemd_and_purge_removes_the_recorded_links()
    {
        ScriptRun run = await RunScriptsAsync(new StandIns(), ["prerm", "remove"], ["postrm", "remove"], ["postrm", "purge"]);

        Assert.Equal(
            ["deb-systemd-invoke stop socketbridge.socket socketbridge.service", DaemonReload, "deb-systemd-helper purge socketbridge.service socketbridge.socket"],
            run.Actions);
    }

    [Fact]
    public async Task Without_systemd_running_the_scripts_leave_systemd_alone_but_still_re_execute_a_daemon_run_by_hand()
    {
        ScriptRun run = await RunScriptsAsync(new StandIns { SystemdRunning = false },
            ["postinst", "configure"], ["prerm", "upgrade", "9.9.9"], ["postinst", "configure", "0.0.1"], ["prerm", "remove"], ["postrm", "remove"], ["postrm", "purge"]);

        Assert.DoesNotContain(run.Calls, c => c.StartsWith("systemctl ", StringComparison.Ordinal) || c.StartsWith("deb-systemd-invoke ", StringComparison.Ordinal));
        Assert.Equal([Reexec], run.Calls.Where(c => c.StartsWith("socketbridge ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Installing_into_another_root_touches_neither_this_systemd_nor_this_daemon()
    {
        string root = package.NewDirectory($"other-root-{Guid.NewGuid():N}");

        ScriptRun run = await RunScriptsAsync(new StandIns { DpkgRoot = root },
            ["postinst", "configure"], ["prerm", "upgrade", "9.9.9"], ["postinst", "configure", "0.0.1"], ["prerm", "remove"], ["postrm", "remove"]);

        Assert.All(run.Calls, c => Assert.StartsWith("deb-systemd-helper ", c));
    }

    [Fact]
    public async Task Purge_from_another_root_removes_the_links_enabling_made_there_and_leaves_this_systemd_alone()
    {
        // The real dpkg and deb-systemd-helper on a private root: postinst records the links enabling makes, purge removes them.
        string root = package.NewDirectory($"purge-root-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
        string bin = package.NewDirectory($"purge-bin-{Guid.NewGuid():N}");
        string log = WriteStandIns(bin, new StandIns(), realHelper: true);
        var dpkgEnvironment = new Dictionary<string, string?> { ["PATH"] = $"{bin}:/usr/sbin:/usr/bin:/sbin:/bin" };
        string[] dpkg = [$"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root"];
        string wants = Path.Combine(root, "etc/systemd/system/multi-user.target.wants");
        string socketWants = Path.Combine(root, "etc/systemd/system/sockets.target.wants");

        CliResult install = await Tools.RunAsync("dpkg", [.. dpkg, "--install", package.Path], TimeSpan.FromMinutes(1), dpkgEnvironment);
        Assert.True(install.ExitCode == 0, install.ToString());
        // What `systemctl enable` makes, and a link of another unit.
        Directory.CreateDirectory(wants);
        Directory.CreateDirectory(socketWants);
        File.CreateSymbolicLink(Path.Combine(wants, "socketbridge.service"), "/lib/systemd/system/socketbridge.service");
        File.CreateSymbolicLink(Path.Combine(socketWants, "socketbridge.socket"), "/lib/systemd/system/socketbridge.socket");
        File.CreateSymbolicLink(Path.Combine(wants, "other.service"), "/lib/systemd/system/other.service");
        CliResult purge = await Tools.RunAsync("dpkg", [.. dpkg, "--purge", "socketbridge"], TimeSpan.FromMinutes(1), dpkgEnvironment);

        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.False(Path.Exists(Path.Combine(wants, "socketbridge.service")));
        Assert.False(Path.Exists(Path.Combine(socketWants, "socketbridge.socket")));
        Assert.NotNull(new FileInfo(Path.Combine(wants, "other.service")).LinkTarget);
        Assert.Empty(File.ReadAllLines(log));
    }

    /// <summary>What the stand-ins answer, and the machine the scripts run on.</summary>
    private sealed record StandIns
    {
        public bool SystemdRunning { get; init; } = true;

        /// <summary>DPKG_ROOT: empty unless dpkg installs into another root with chrootless scripts.</summary>
        public string DpkgRoot { get; init; } = "";

        /// <summary>Units whose links deb-systemd-helper finds in place (was-enabled).</summary>
        public string[] Enabled { get; init; } = [];

        public int ReexecExitCode { get; init; }

        public string ReexecStdout { get; init; } = "";

        public string ReexecStderr { get; init; } = "";

        /// <summary>With a value, a /usr/sbin/policy-rc.d that exits with it.</summary>
        public int? PolicyExitCode { get; init; }
    }

    private sealed record ScriptRun(CliResult Result, string[] Calls)
    {
        /// <summary>The calls that change something: deb-systemd-helper's questions left out.</summary>
        public string[] Actions => Calls.Where(c => !c.StartsWith("deb-systemd-helper debian-installed ", StringComparison.Ordinal)
            && !c.StartsWith("deb-systemd-helper --quiet was-enabled ", StringComparison.Ordinal)).ToArray();
    }

    /// <summary>Runs each of <paramref name="scripts"/> (name, then arguments) in turn; returns what they printed and the calls made, one per line.</summary>
    private async Task<ScriptRun> RunScriptsAsync(StandIns standIns, params string[][] scripts)
    {
        string work = package.NewDirectory($"scripts-{Guid.NewGuid():N}");
        string control = Path.Combine(work, "DEBIAN");
        await Tools.RunOkAsync("dpkg-deb", "-e", package.Path, control);
        string bin = Path.Combine(work, "bin");
        Directory.CreateDirectory(bin);
        string log = WriteStandIns(bin, standIns, realHelper: false);

        // dpkg runs maintainer scripts with a PATH like this one, and DPKG_ROOT set (empty unless --root with chrootless scripts).
        string run = string.Join('\n', scripts.Select(s =>
            $"env -i PATH='{bin}:/usr/sbin:/usr/bin:/sbin:/bin' DPKG_ROOT='{standIns.DpkgRoot}' '{Path.Combine(control, s[0])}' {string.Join(' ', s[1..])}"));
        // policy-rc.d is looked for at its absolute path: an empty /usr/sbin, private to the namespace, holds the stand-in.
        string policy = standIns.PolicyExitCode is int code
            ? $"""
               mount -t tmpfs -o size=1m none /usr/sbin
               printf '#!/bin/sh\necho "policy-rc.d $*" >> "{log}"\nexit {code}\n' > /usr/sbin/policy-rc.d
               chmod 755 /usr/sbin/policy-rc.d
               """
            : "if [ -e /usr/sbin/policy-rc.d ]; then mount -t tmpfs -o size=1m none /usr/sbin; fi";
        string script = $"""
            mount -t tmpfs -o size=1m none /run
            {(standIns.SystemdRunning ? "mkdir -p /run/systemd/system" : "")}
            {policy}
            {run}
            """;
        CliResult result = await Tools.InMountNamespaceAsync(script, []);

        Assert.True(result.ExitCode == 0, $"maintainer scripts: {result}");
        return new ScriptRun(result, File.ReadAllLines(log));
    }

    /// <summary>Writes the stand-ins into <paramref name="bin"/>; returns the file where they record their calls.</summary>
    private static string WriteStandIns(string bin, StandIns standIns, bool realHelper)
    {
        string log = Path.Combine(bin, "calls.log");
        File.WriteAllText(log, "");
        string record = $"echo \"$(basename \"$0\") $*\" >> '{log}'\n";
        WriteScript(bin, "systemctl", record);
        WriteScript(bin, "deb-systemd-invoke", record);
        string enabled = string.Join(' ', standIns.Enabled);
        if (!realHelper)
        {
            // Answers its questions as for units installed before (debian-installed), enabled only when listed.
            WriteScript(bin, "deb-systemd-helper", record + $"""
                case "$1 $2" in
                    "debian-installed "*) exit 0 ;;
                    "--quiet was-enabled") case " {enabled} " in *" $3 "*) exit 0 ;; *) exit 1 ;; esac ;;
                esac
                exit 0
                """);
        }

        WriteScript(bin, "socketbridge", record + $"""
            printf '%s' '{standIns.ReexecStdout}'
            printf '%s' '{standIns.ReexecStderr}' >&2
            exit {standIns.ReexecExitCode}
            """);
        return log;
    }

    private static void WriteScript(string bin, string name, string body)
    {
        string path = Path.Combine(bin, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
