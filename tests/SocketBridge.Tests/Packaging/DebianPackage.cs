using System.Text.RegularExpressions;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// `make deb`, built once for the Packaging collection into a private OUT
/// directory (so it never races a build of the checkout's out/), and the
/// package unpacked with dpkg -x into a temporary root. Disposing removes both.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit ends a collection fixture through IAsyncLifetime.DisposeAsync, which removes the directory.")]
public sealed partial class DebianPackage : IAsyncLifetime
{
    /// <summary>Variables that would steer the make run away from its defaults if the caller's environment had them.</summary>
    private static readonly string[] MakeVariables =
        ["MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "PREFIX", "DESTDIR", "SYSCONFDIR", "LIBDIR", "SBINDIR",
         "DOCDIR", "UNITDIR", "RID", "DEB_ARCH", "DEB_VERSION", "DEB_COMPRESSION"];

    private readonly TempDirectory _directory = new();

    public DebianPackage()
    {
        Match version = VersionElement().Match(File.ReadAllText(System.IO.Path.Combine(Binary.RepositoryRoot, "Directory.Build.props")));
        Version = version.Success ? version.Groups[1].Value : throw new InvalidOperationException("no <Version> in Directory.Build.props");
    }

    /// <summary>The Version property of Directory.Build.props, which the package carries.</summary>
    public string Version { get; }

    /// <summary>The OUT directory of the make runs: publish/, deb/, the .deb.</summary>
    public string OutDirectory => _directory["out"];

    /// <summary>The .deb that `make deb` built.</summary>
    public string Path => System.IO.Path.Combine(OutDirectory, $"socketbridge_{Version}_amd64.deb");

    /// <summary>Where the package was unpacked (dpkg -x).</summary>
    public string Root => _directory["root"];

    /// <summary>A new directory inside the fixture's, removed with it.</summary>
    public string NewDirectory(string name)
    {
        string path = _directory[name];
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>make -C REPOSITORY OUT=... with <paramref name="args"/> (targets and variables).</summary>
    public Task<CliResult> MakeAsync(params string[] args) =>
        Tools.RunAsync("make", ["-C", Binary.RepositoryRoot, "--no-print-directory", $"OUT={OutDirectory}", .. args],
            TimeSpan.FromMinutes(5), MakeVariables.ToDictionary(name => name, string? (_) => null));

    public async Task InitializeAsync()
    {
        CliResult make = await MakeAsync("deb");
        if (make.ExitCode != 0 || !File.Exists(Path))
        {
            throw new InvalidOperationException($"make deb did not build {Path}: {make}");
        }

        Directory.CreateDirectory(Root);
        CliResult extract = await Tools.RunAsync("dpkg", ["-x", Path, Root]);
        if (extract.ExitCode != 0)
        {
            throw new InvalidOperationException($"dpkg -x {Path}: {extract}");
        }
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }

    [GeneratedRegex("<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();
}
