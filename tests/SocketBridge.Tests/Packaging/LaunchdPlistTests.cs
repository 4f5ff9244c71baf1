using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>
/// The launchd plist (SPEC 7). launchd is not here to load it: this only
/// checks that it is a property list, read by Python's plistlib, that says
/// what it means to.
/// </summary>
public sealed class LaunchdPlistTests
{
    [Fact]
    public async Task The_plist_runs_the_daemon_with_an_example_socket()
    {
        string plist = Path.Combine(Binary.RepositoryRoot, "packaging", "org.socketbridge.socketbridge.plist");

        CliResult read = await Tools.RunAsync(ChildScripts.Python,
            ["-c", "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))", plist]);

        Assert.True(read.ExitCode == 0, read.ToString());
        JsonElement job = JsonDocument.Parse(read.Stdout).RootElement;
        Assert.Equal(Path.GetFileNameWithoutExtension(plist), job.GetProperty("Label").GetString());
        Assert.Equal(["/usr/local/sbin/socketbridge", "run"], job.GetProperty("ProgramArguments").EnumerateArray().Select(a => a.GetString()!));
        JsonElement echo = job.GetProperty("Sockets").GetProperty("echo");
        Assert.Equal("stream", echo.GetProperty("SockType").GetString());
        Assert.Equal("45678", echo.GetProperty("SockServiceName").GetString());
    }
}
