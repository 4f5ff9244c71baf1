using System.Globalization;
using System.Net;
using System.Text.Json;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Packaging;

/// <summary>What packaging/socketbridge.service and the socketbridge.socket example say (SPEC 7).</summary>
public sealed class ServiceUnitTests
{
    private static readonly string Packaging = Path.Combine(Binary.RepositoryRoot, "packaging");

    [Fact]
    public void The_service_is_a_notify_daemon_that_a_configuration_error_does_not_restart()
    {
        Dictionary<string, string> service = Settings(Path.Combine(Packaging, "socketbridge.service"));

        Assert.Equal("notify", service["Type"]);
        Assert.Equal("/usr/sbin/socketbridge run", service["ExecStart"]);
        Assert.Equal("/usr/sbin/socketbridge reload", service["ExecReload"]);
        Assert.Equal("on-failure", service["Restart"]);
        Assert.Equal("78", service["RestartPreventExitStatus"]);
        Assert.Equal("mixed", service["KillMode"]);
        Assert.Equal("socketbridge", service["RuntimeDirectory"]);
        Assert.Equal("multi-user.target", service["WantedBy"]);
    }

    [Fact]
    public void Systemd_waits_longer_than_the_daemon_gives_its_programs_when_stopping()
    {
        Dictionary<string, string> service = Settings(Path.Combine(Packaging, "socketbridge.service"));
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Packaging, "socketbridge.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        TimeSpan shutdown = TimeSpan.Parse(config.RootElement.GetProperty("SocketBridge").GetProperty("ShutdownTimeout").GetString()!, CultureInfo.InvariantCulture);
        string stop = service["TimeoutStopSec"];

        Assert.EndsWith("s", stop);
        Assert.InRange(TimeSpan.FromSeconds(int.Parse(stop[..^1], CultureInfo.InvariantCulture)), shutdown + TimeSpan.FromSeconds(3), shutdown * 2);
    }

    [Fact]
    public void The_hardening_leaves_programs_setuid_binaries_the_system_tmp_and_home_directories()
    {
        Dictionary<string, string> service = Settings(Path.Combine(Packaging, "socketbridge.service"));

        Assert.DoesNotContain("User", service.Keys);
        Assert.DoesNotContain("NoNewPrivileges", service.Keys);
        Assert.DoesNotContain("PrivateTmp", service.Keys);
        Assert.DoesNotContain("ProtectHome", service.Keys);
        Assert.DoesNotContain("PrivateDevices", service.Keys);
        Assert.DoesNotContain("MemoryDenyWriteExecute", service.Keys);
        Assert.Equal("true", service["ProtectSystem"]);
    }

    [Fact]
    public async Task The_socket_example_and_its_drop_in_serve_the_socket_systemd_passes()
    {
        string unit = Path.Combine(Packaging, "socketbridge.socket");
        Dictionary<string, string> socket = Settings(unit);
        // The drop-in is quoted in the unit's comment, from `{ "Bridges"` to `} } }`.
        string[] comment = File.ReadAllLines(unit).Where(l => l.StartsWith('#')).Select(l => l[1..]).ToArray();
        int first = Array.FindIndex(comment, l => l.TrimStart().StartsWith("{ \"Bridges\"", StringComparison.Ordinal));
        int last = Array.FindIndex(comment, first, l => l.TrimEnd().EndsWith("} } }", StringComparison.Ordinal));
        Assert.True(first >= 0 && last >= first, "the socket unit quotes its bridge drop-in");
        using var dir = new TempDirectory();
        dir.Write("config.json", string.Join('\n', comment[first..(last + 1)]));
        int port = Ports.Free();

        Assert.Equal("127.0.0.1:45678", socket["ListenStream"]);
        Assert.Equal(0, (await Fixtures.Cli.RunAsync("check", "-c", dir["config.json"])).ExitCode);
        await using Daemon daemon = Daemon.Launch(["run", "-c", dir["config.json"]], dir, ownsDirectory: false,
            launcher: ["systemd-socket-activate", "-E", "NOTIFY_SOCKET", $"--listen=127.0.0.1:{port}", $"--fdname={socket["FileDescriptorName"]}"]);
        await daemon.WaitForLogAsync("Listening on ");

        Assert.Equal("activated\n", await Clients.ExchangeAsync(await Clients.ConnectTcpAsync(IPAddress.Loopback, port), "activated\n"));
        await daemon.WaitReadyAsync();
        Assert.Equal(0, await daemon.StopAsync());
    }

    /// <summary>The Key=Value lines of a unit file, comments left out (a key set twice keeps its last value).</summary>
    private static Dictionary<string, string> Settings(string path) =>
        File.ReadAllLines(path)
            .Where(l => l.Length > 0 && l[0] is not ('#' or ';' or '[') && l.Contains('='))
            .Select(l => l.Split('=', 2))
            .GroupBy(kv => kv[0].Trim())
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim());
}
