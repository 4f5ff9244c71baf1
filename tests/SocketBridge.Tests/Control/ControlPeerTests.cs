using System.Diagnostics;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Control;

/// <summary>
/// <c>status</c> and <c>reload</c> talk only to a control socket whose
/// listener is root or the user running them (SO_PEERCRED, SPEC 8): a socket
/// another user put in the daemon's place gets nothing, not even the request.
/// </summary>
public sealed class ControlPeerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Commands => new() { "status", "reload" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_control_socket_served_by_nobody_is_refused_and_sent_nothing(string command)
    {
        Assert.True(LibC.GetUid() == 0, "this test runs as root, as make test does");
        File.SetUnixFileMode(_dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        string nobodys = Directory.CreateDirectory(_dir["nobody"]).FullName;
        Assert.Equal(0, (await Clients.RunProgramAsync("chown", ["nobody", nobodys])).ExitCode);
        string socket = Path.Combine(nobodys, "control.sock");
        string received = Path.Combine(nobodys, "received");

        // nobody's stand-in: records what it is sent, then answers something.
        using Process fake = Process.Start(new ProcessStartInfo("setpriv", [
            "--reuid=nobody", "--regid=nogroup", "--clear-groups",
            "socat", $"UNIX-LISTEN:{socket},fork", $"SYSTEM:timeout 1 cat >> {received}; echo fake"])
        { UseShellExecute = false })!;
        try
        {
            await Wait.UntilAsync(() => File.Exists(socket), "nobody's socket");

            CliResult result = await Fixtures.Cli.RunAsync([command, "--control", socket], TimeSpan.FromSeconds(20));

            Assert.True(result.ExitCode == 69, result.ToString());
            string line = Assert.Single(result.StderrLines);
            Assert.StartsWith($"socketbridge {command}: refusing to talk to the control socket: {socket} is served by uid 65534 (nobody), neither root nor you (uid 0)", line, StringComparison.Ordinal);
            Assert.Equal(string.Empty, result.Stdout);
            Assert.Equal(string.Empty, File.Exists(received) ? await File.ReadAllTextAsync(received) : string.Empty);
        }
        finally
        {
            fake.Kill(entireProcessTree: true);
            await fake.WaitForExitAsync();
        }
    }
}
