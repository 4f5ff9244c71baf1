using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Cli;

/// <summary>A daemon that cannot start says why in one entry, and nothing else (no error about the control socket it closed on the way out).</summary>
public sealed class StartFailureTests
{
    [Fact]
    public async Task A_bridge_that_cannot_listen_gives_exit_1_and_one_entry_naming_it()
    {
        using var dir = new TempDirectory();
        string notASocket = dir.Write("app.sock", "a regular file is never replaced");
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "app": { "Listen": "unix:{{notASocket}}", "User": "root", "Exec": ["/bin/cat"] } } }
            """);
        await using Daemon daemon = Daemon.Launch(["run", "-c", config], dir, ownsDirectory: false);

        Assert.Equal(1, await daemon.WaitExitAsync(TimeSpan.FromSeconds(20)));

        string entry = Assert.Single(daemon.Logs);
        Assert.Contains("cannot start", entry, StringComparison.Ordinal);
        Assert.Contains(notASocket, entry, StringComparison.Ordinal);
        Assert.Equal("a regular file is never replaced", File.ReadAllText(notASocket));
    }
}
