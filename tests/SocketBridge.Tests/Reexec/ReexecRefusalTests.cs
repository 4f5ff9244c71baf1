using System.Net;
using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// Issue 17, section 4: a re-exec into a binary that cannot take over is
/// refused before the exec, with a message and an exit status, and the
/// daemon goes on serving as if nothing happened.
/// </summary>
public sealed class ReexecRefusalTests
{
    public static TheoryData<string, int> Breakages => new()
    {
        { "missing", 1 },
        { "not executable", 1 },
        { "garbage", 1 },
        { "a script that crashes", 1 },
        { "a binary that refuses the configuration", 78 },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task A_reexec_into_a_broken_binary_is_refused_and_the_daemon_goes_on_serving(string breakage, int exitCode)
    {
        using var install = new PrivateInstall();
        using var dir = new TempDirectory();
        string checkedWith = dir["check-arguments"];
        await using Backend backend = Backend.Tcp(0, Backend.Echo);
        string config = dir.Write("config.json", $$"""
            { "Bridges": {
                "echo": { "Listen": "tcp:127.0.0.1:0", "User": "root", "Exec": ["/bin/cat"] },
                "relay": { "Listen": "tcp:127.0.0.1:0", "Target": "tcp:127.0.0.1:{{backend.Port}}" } } }
            """);
        await using Daemon daemon = await ReexecDriver.StartAsync(dir, config, install.Path);
        int pid = daemon.Pid;
        int echoPort = await daemon.PortOfAsync("echo");
        int relayPort = await daemon.PortOfAsync("relay");
        using Socket held = await Clients.ConnectTcpAsync(IPAddress.Loopback, echoPort);
        await Clients.EchoLineAsync(held, "before");
        long total = TotalOf(await ReexecDriver.StatusAsync(daemon), "echo");
        int[] threads = ReexecDriver.OtherThreads(pid);

        switch (breakage)
        {
            case "missing":
                install.Delete();
                break;
            case "not executable":
                install.MakeNotExecutable();
                break;
            case "garbage":
                install.ReplaceWithGarbage();
                break;
            case "a script that crashes":
                install.ReplaceWithScript("#!/bin/sh\nkill -SEGV $$\n");
                break;
            default:
                // `check` says no, as a newer version would of a key it dropped; anything else would run.
                install.ReplaceWithScript($"""
                    #!/bin/sh
                    printf '%s\n' "$@" > {checkedWith}
                    if [ "$1" = check ]; then echo "config.json: Bridges:echo:Exec: not accepted by this version" >&2; exit 78; fi
                    exec sleep 600
                    """);
                break;
        }

        CliResult result = await ReexecDriver.CommandAsync(daemon);

        Assert.True(result.ExitCode == exitCode, $"{breakage}: expected exit {exitCode}: {result}");
        Assert.StartsWith("socketbridge reexec: refused", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.Stderr.Length > "socketbridge reexec: refused".Length + 2, $"the refusal says why: {result.Stderr}");
        Assert.DoesNotContain("re-executed", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        if (exitCode == 78)
        {
            // The new binary was asked to check the daemon's own files.
            string[] arguments = File.ReadAllLines(checkedWith);
            Assert.Equal("check", arguments[0]);
            Assert.Contains(config, arguments);
        }

        // Untouched: the same process, still its first image, serving old and new connections.
        Assert.False(daemon.HasExited);
        Assert.True(ReexecDriver.SameImage(pid, threads), "the daemon's threads are all new: it executed something");
        Assert.DoesNotContain(daemon.Logs, ReexecDriver.IsSuccess);
        Assert.Equal(pid, (await ReexecDriver.StatusAsync(daemon)).GetProperty("Pid").GetInt32());
        await Clients.EchoLineAsync(held, "after the refusal");
        Assert.Equal("new\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, echoPort), "new\n"));
        Assert.Equal("relayed\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, relayPort), "relayed\n"));
        Assert.True(TotalOf(await ReexecDriver.StatusAsync(daemon), "echo") >= total + 1);
        Assert.DoesNotContain(ProcFs.Children(pid), c => c.State == 'Z');

        // And once the binary is whole again, a re-exec goes through.
        install.Restore();
        CliResult again = await ReexecDriver.CommandAsync(daemon);
        Assert.True(again.ExitCode == 0, $"the re-exec after the repair: {again}");
        Assert.Equal(pid, daemon.Pid);
        Assert.False(ReexecDriver.SameImage(pid, threads), "the re-exec after the repair left the old image's threads");
        await Clients.EchoLineAsync(held, "after the re-exec");
        held.Shutdown(SocketShutdown.Send);
        Assert.Equal(string.Empty, await Clients.ReadToEndAsync(held));
        await daemon.AssertResourcesReturnToBaselineAsync();
    }

    private static long TotalOf(System.Text.Json.JsonElement status, string bridge) =>
        status.GetProperty("Bridges").EnumerateArray().Single(b => b.GetProperty("Name").GetString() == bridge).GetProperty("Total").GetInt64();
}
