using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>`make deb` (SPEC 7): what the package holds, says and runs.</summary>
[Collection(PackagingGroup.Name)]
public sealed class DebianPackageTests(DebianPackage package)
{
    private const string Program = "./usr/sbin/socketbridge";

    [Fact]
    public async Task The_package_holds_the_program_the_units_and_the_configuration()
    {
        Dictionary<string, PackagedFile> files = PackagedFile.Parse((await Tools.RunOkAsync("dpkg-deb", "-c", package.Path)).Stdout);

        Assert.Equal("-rwxr-xr-x", files[Program].Mode);
        Assert.Null(files[Program].LinkTarget);
        // One native executable: no runtime, no assemblies, no helper library, no debug symbols beside it.
        Assert.DoesNotContain(files.Keys, p => p.StartsWith("./usr/lib/socketbridge", StringComparison.Ordinal));
        Assert.DoesNotContain(files.Keys, p => p.EndsWith(".so", StringComparison.Ordinal));
        Assert.DoesNotContain(files.Keys, p => p.EndsWith(".dll", StringComparison.Ordinal));
        Assert.DoesNotContain(files.Keys, p => p.EndsWith(".dbg", StringComparison.Ordinal));
        Assert.Equal("-rw-r--r--", files["./lib/systemd/system/socketbridge.service"].Mode);
        Assert.Equal("-rw-r--r--", files["./lib/systemd/system/socketbridge.socket"].Mode);
        Assert.Equal("-rw-r--r--", files["./etc/socketbridge/socketbridge.json"].Mode);
        Assert.Equal("-rw-r--r--", files["./etc/socketbridge/bridges.d/example.json.disabled"].Mode);
        Assert.DoesNotContain(files.Keys, p => p.StartsWith("./etc/socketbridge/bridges.d/", StringComparison.Ordinal) && p.EndsWith(".json", StringComparison.Ordinal));
        Assert.All(files.Values, f => Assert.Equal("root/root", f.Owner));
    }

    [Fact]
    public async Task The_package_holds_the_manual_pages_the_completion_and_the_copyright_and_changelog()
    {
        Dictionary<string, PackagedFile> files = PackagedFile.Parse((await Tools.RunOkAsync("dpkg-deb", "-c", package.Path)).Stdout);

        foreach (string file in (string[])["./usr/share/man/man8/socketbridge.8.gz", "./usr/share/man/man5/socketbridge.json.5.gz",
            "./usr/share/bash-completion/completions/socketbridge", "./usr/share/doc/socketbridge/copyright", "./usr/share/doc/socketbridge/changelog.gz"])
        {
            Assert.True(files.TryGetValue(file, out PackagedFile? packaged), $"{file} is in the package");
            Assert.Equal("-rw-r--r--", packaged!.Mode);
        }

        // The pages are the checkout's, compressed; the changelog's entry is this version's.
        Assert.Equal(File.ReadAllText(Path.Combine(Binary.RepositoryRoot, "docs/man/socketbridge.8")),
            (await Tools.RunOkAsync("gzip", "-dc", Path.Combine(package.Root, "usr/share/man/man8/socketbridge.8.gz"))).Stdout);
        string changelog = (await Tools.RunOkAsync("gzip", "-dc", Path.Combine(package.Root, "usr/share/doc/socketbridge/changelog.gz"))).Stdout;
        Assert.StartsWith($"socketbridge ({package.Version}) ", changelog, StringComparison.Ordinal);
        Assert.StartsWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n",
            File.ReadAllText(Path.Combine(package.Root, "usr/share/doc/socketbridge/copyright")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_control_fields_name_the_version_and_depend_on_the_C_library_only()
    {
        string fields = (await Tools.RunOkAsync("dpkg-deb", "-f", package.Path, "Package", "Version", "Architecture", "Depends", "Installed-Size")).Stdout;
        Dictionary<string, string> field = fields.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(": ", 2)).ToDictionary(kv => kv[0], kv => kv[1]);

        Assert.Equal("socketbridge", field["Package"]);
        Assert.Equal(package.Version, field["Version"]);
        Assert.Equal("amd64", field["Architecture"]);
        string[] depends = field["Depends"].Split(',').Select(d => d.Trim().Split(' ')[0]).ToArray();
        Assert.Equal(["libc6"], depends);
        int installedSize = int.Parse(field["Installed-Size"]);
        Assert.True(installedSize is > 2_000 and < 20_000, $"Installed-Size {installedSize} KiB is one native program of a few MiB");
    }

    [Fact]
    public async Task The_configuration_is_marked_as_conffiles_and_the_maintainer_scripts_are_executable()
    {
        string control = package.NewDirectory("control");
        await Tools.RunOkAsync("dpkg-deb", "-e", package.Path, control);
        Dictionary<string, PackagedFile> files = PackagedFile.Parse((await Tools.RunOkAsync("dpkg-deb", "-c", package.Path)).Stdout);

        string[] conffiles = File.ReadAllLines(Path.Combine(control, "conffiles"));
        Assert.Contains("/etc/socketbridge/socketbridge.json", conffiles);
        Assert.Contains("/etc/socketbridge/bridges.d/example.json.disabled", conffiles);
        Assert.All(conffiles, c => Assert.True(files.ContainsKey("." + c), $"conffile {c} is in the package"));
        Assert.All(files.Keys.Where(p => p.StartsWith("./etc/", StringComparison.Ordinal) && !p.EndsWith('/')),
            p => Assert.Contains(p[1..], conffiles));
        foreach (string script in new[] { "postinst", "prerm", "postrm" })
        {
            Assert.True(File.GetUnixFileMode(Path.Combine(control, script)).HasFlag(UnixFileMode.UserExecute), $"{script} is executable");
        }
    }

    [Fact]
    public async Task Dpkg_keeps_an_edited_configuration_on_reinstall_and_removal_and_purge_removes_it()
    {
        // A private dpkg database; the maintainer scripts run unchrooted with DPKG_ROOT set, so they leave this machine's systemd alone.
        string root = package.NewDirectory("dpkg-root");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
        string[] dpkg = [$"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root"];
        string config = Path.Combine(root, "etc/socketbridge/socketbridge.json");
        string added = Path.Combine(root, "etc/socketbridge/bridges.d/echo.json");

        await Tools.RunOkAsync("dpkg", [.. dpkg, "--install", package.Path]);
        File.AppendAllText(config, "// edited\n");
        File.WriteAllText(added, """{ "Bridges": {} }""");
        await Tools.RunOkAsync("dpkg", [.. dpkg, "--install", package.Path]);

        Assert.EndsWith("// edited\n", File.ReadAllText(config));
        Assert.True(File.Exists(Path.Combine(root, "usr/sbin/socketbridge")));

        await Tools.RunOkAsync("dpkg", [.. dpkg, "--remove", "socketbridge"]);

        Assert.False(Path.Exists(Path.Combine(root, "usr/sbin/socketbridge")));
        Assert.False(Path.Exists(Path.Combine(root, "lib/systemd/system/socketbridge.service")));
        Assert.EndsWith("// edited\n", File.ReadAllText(config));

        await Tools.RunOkAsync("dpkg", [.. dpkg, "--purge", "socketbridge"]);

        Assert.False(File.Exists(config));
        Assert.True(File.Exists(added), "a bridge the administrator added survives purge");
    }

    [Fact]
    public async Task Make_deb_with_DEB_VERSION_packages_the_same_program_as_a_higher_version_that_dpkg_installs_as_an_upgrade()
    {
        string version = package.Version + "+1";
        string upgrade = Path.Combine(package.OutDirectory, $"socketbridge_{version}_amd64.deb");
        string root = package.NewDirectory("upgrade-root");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
        string[] dpkg = [$"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root"];

        CliResult make = await package.MakeAsync("deb", $"DEB_VERSION={version}");

        Assert.True(make.ExitCode == 0, make.ToString());
        Assert.Equal(version, (await Tools.RunOkAsync("dpkg-deb", "-f", upgrade, "Version")).Stdout.Trim());
        Assert.True(File.Exists(package.Path), "the package of the default version is still there");
        string unpacked = package.NewDirectory("upgrade-unpacked");
        await Tools.RunOkAsync("dpkg", "-x", upgrade, unpacked);
        Assert.Equal(File.ReadAllBytes(Path.Combine(package.Root, "usr/sbin/socketbridge")), File.ReadAllBytes(Path.Combine(unpacked, "usr/sbin/socketbridge")));

        await Tools.RunOkAsync("dpkg", [.. dpkg, "--install", package.Path]);
        CliResult install = await Tools.RunOkAsync("dpkg", [.. dpkg, "--install", upgrade]);

        Assert.Contains($"Preparing to unpack .../socketbridge_{version}_amd64.deb", install.Stdout);
        Assert.Contains($"over ({package.Version})", install.Stdout);
        CliResult installed = await Tools.RunOkAsync("dpkg-query", $"--admindir={root}/var/lib/dpkg", "-W", "-f", "${Version} ${db:Status-Abbrev}", "socketbridge");
        Assert.Equal($"{version} ii ", installed.Stdout);
    }

    [Fact]
    public async Task The_packaged_program_is_a_native_executable_that_needs_only_the_C_library()
    {
        string program = Path.Combine(package.Root, "usr/sbin/socketbridge");
        byte[] head = new byte[4];
        using (FileStream file = File.OpenRead(program))
        {
            file.ReadExactly(head);
        }

        CliResult ldd = await Tools.RunOkAsync("ldd", program);
        string[] libraries = ldd.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' ')[0]).Where(l => !l.StartsWith("linux-vdso", StringComparison.Ordinal)).ToArray();

        Assert.Equal("\u007fELF"u8.ToArray(), head);
        Assert.All(libraries, l => Assert.Matches(@"^(/lib64/ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6)$", l));
    }

    [Fact]
    public async Task The_unpacked_program_checks_the_shipped_configuration_where_no_dotnet_is_installed()
    {
        string program = Path.Combine(package.Root, "usr/sbin/socketbridge");
        string config = Path.Combine(package.Root, "etc/socketbridge/socketbridge.json");

        CliResult check = await WithoutDotnetAsync(program, "check", "-c", config);
        CliResult version = await WithoutDotnetAsync(program, "--version");

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("configuration is valid", check.Stdout + check.Stderr);
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.StartsWith(package.Version, version.Stdout.Trim());
    }

    [Fact]
    public async Task The_unpacked_program_serves_connections_where_no_dotnet_is_installed()
    {
        string program = Path.Combine(package.Root, "usr/sbin/socketbridge");
        int port = Ports.Free();
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--mount", "/bin/sh", "-ec", HideDotnetScript, "sh", program, "serve", "--user", "nobody", $"tcp:127.0.0.1:{port}", "--", "cat"])
        {
            start.ArgumentList.Add(arg);
        }

        using Process daemon = Process.Start(start)!;
        daemon.StandardInput.Close();
        Task<string> stdout = daemon.StandardOutput.ReadToEndAsync();
        Task<string> stderr = daemon.StandardError.ReadToEndAsync();
        try
        {
            // unshare, sh and env exec one another: the process becomes socketbridge itself.
            Socket? client = null;
            await Wait.UntilAsync(() => daemon.HasExited || (client = TryConnect(port)) is not null, "the unpacked socketbridge to listen");
            if (daemon.HasExited)
            {
                Assert.Fail($"socketbridge exited with {daemon.ExitCode}: {await stdout}{await stderr}");
            }

            Assert.Equal("echoed by the package\n", await Clients.ExchangeAsync(client!, "echoed by the package\n"));
        }
        finally
        {
            if (!daemon.HasExited)
            {
                LibC.Kill(daemon.Id, LibC.SIGTERM);
            }

            await daemon.WaitForExitAsync().WaitAsync(Wait.DefaultTimeout);
        }

        Assert.Equal(0, daemon.ExitCode);
    }

    /// <summary>
    /// Mounts empty directories over every .NET installation the apphost could
    /// find (DOTNET_ROOT, /etc/dotnet, /usr/share/dotnet, /usr/lib/dotnet, the
    /// one of `dotnet` on PATH), checks that no dotnet is left, then execs
    /// "$@" with nothing but PATH=/usr/bin:/bin in its environment.
    /// </summary>
    private const string HideDotnetScript = """
        for d in "${DOTNET_ROOT:-/nonexistent}" /etc/dotnet /usr/share/dotnet /usr/lib/dotnet \
                 "$(dirname "$(readlink -f "$(command -v dotnet || echo /nonexistent/dotnet)")")"; do
            if [ -d "$d" ]; then mount -t tmpfs -o size=1m none "$d"; fi
        done
        if env -i PATH=/usr/bin:/bin dotnet --info >/dev/null 2>&1; then echo "dotnet still runs" >&2; exit 99; fi
        exec env -i PATH=/usr/bin:/bin "$@"
        """;

    private static Task<CliResult> WithoutDotnetAsync(params string[] command) => Tools.InMountNamespaceAsync(HideDotnetScript, command);

    private static Socket? TryConnect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }
}
