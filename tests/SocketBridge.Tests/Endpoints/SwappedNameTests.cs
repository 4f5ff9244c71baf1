using System.Text.Json;
using Xunit.Abstractions;
using SocketBridge.Control;
using SocketBridge.Native;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// The audit's finding 1: a user who may write a socket's directory (here
/// nobody, the bridge's SocketUser, in a directory of its own) swaps the
/// names the daemon creates for symbolic links to a file of root's. Root
/// must never change that file's mode or owner, and the daemon must never
/// die with a stack trace, however the swap falls.
/// </summary>
public sealed class SwappedNameTests(ITestOutputHelper output)
{
    private static readonly uint SecretMode = Convert.ToUInt32("600", 8);

    [Theory]
    [InlineData("unix", "app.sock", "bind")]
    [InlineData("unix-seqpacket", "app.sock", "bind")]
    [InlineData("fifo", "app.fifo", "mknodat")]
    public async Task A_swap_in_the_widened_window_between_creating_and_chmod_is_refused_and_the_target_is_untouched(string scheme, string name, string call)
    {
        using var scene = await Scene.CreateAsync();
        // strace holds the daemon for a second after it creates the name, as in the audit's
        // deterministic run; the attacker swaps it 300 ms after it appears.
        using NameSwapper attacker = await NameSwapper.StartAsync(scene.Dir.Path, scene.Victim, scene.Attacker, scene.Secret, TimeSpan.FromMilliseconds(300));
        scene.Dir.Write("config.json", Scene.Config($"{scheme}:{scene.Victim}/{name}"));
        string[] strace = ["strace", "-f", "--seccomp-bpf", "-o", "/dev/null", "-e", $"trace={call}", "-e", $"inject={call}:delay_exit=1000000"];
        await using Daemon daemon = Daemon.Launch(["run", "-c", scene.Dir["config.json"]], scene.Dir, ownsDirectory: false, launcher: strace);

        int exit = await daemon.WaitExitAsync(TimeSpan.FromSeconds(30));

        scene.AssertSecretUntouched();
        Assert.Contains(name, attacker.Swaps);
        Assert.Equal(1, exit);
        Assert.Contains(daemon.Logs, l => l.Contains($"bridge app: cannot listen on {scheme}:{scene.Victim}/{name}") && l.Contains("left as it is"));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("   at ") || l.Contains("Unhandled exception"));
    }

    [Fact]
    public async Task Two_hundred_binds_raced_by_the_attacker_never_change_the_target_and_the_daemon_keeps_serving()
    {
        using var scene = await Scene.CreateAsync();
        string ControlConfig(int attempt) => Scene.Config(attempt % 2 == 0 ? $"unix:{scene.Victim}/app-{attempt}.sock" : $"fifo:{scene.Victim}/app-{attempt}.fifo");
        await using Daemon daemon = await Daemon.StartAsync(ControlConfig(0), scene.Dir);

        // Every reload that binds a new path is one attempt, as every start is.
        using NameSwapper attacker = await NameSwapper.StartAsync(scene.Dir.Path, scene.Victim, scene.Attacker, scene.Secret, TimeSpan.Zero);
        int applied = 0, refused = 0;
        for (int attempt = 1; attempt <= 200; attempt++)
        {
            scene.Dir.Write("config.json", ControlConfig(attempt));
            string text = await Wait.ForAsync(ControlClient.SendAsync(daemon.ControlSocket, ControlRequest.Reload, CancellationToken.None), $"reload {attempt}");
            scene.AssertSecretUntouched($"after attempt {attempt}");
            Assert.True(text.Length > 0 && !daemon.HasExited, $"no answer to reload {attempt}, the daemon {(daemon.HasExited ? "exited" : "still runs")}:\n{string.Join('\n', daemon.Logs)}");
            JsonElement answer = ChildScripts.Parse(text);
            if (answer.GetProperty("Reloaded").GetBoolean())
            {
                applied++;
            }
            else
            {
                Assert.Contains("left as it is", answer.GetProperty("Errors").ToString());
                refused++;
            }
        }

        output.WriteLine($"{applied} reloads applied, {refused} refused; the attacker swapped {attacker.Swaps.Length} names");
        Assert.NotEmpty(attacker.Swaps);
        Assert.Equal(200, applied + refused);
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("   at ") || l.Contains("Unhandled exception"));

        // The daemon still serves on a fresh path once the attacker stops.
        attacker.Dispose();
        scene.Dir.Write("config.json", Scene.Config($"unix:{scene.Victim}/final.sock"));
        Assert.True((await ReloadAsync(daemon, "the last reload")).GetProperty("Reloaded").GetBoolean());
        Assert.Equal("hi\n", await Clients.ExchangeAsync(await Clients.ConnectUnixAsync($"{scene.Victim}/final.sock")));
        scene.AssertSecretUntouched();
    }

    /// <summary><c>socketbridge reload</c>'s request over the daemon's control socket; its JSON answer.</summary>
    private static async Task<JsonElement> ReloadAsync(Daemon daemon, string what) =>
        ChildScripts.Parse(await Wait.ForAsync(ControlClient.SendAsync(daemon.ControlSocket, ControlRequest.Reload, CancellationToken.None), what));

    /// <summary>The audit's set-up: a victim directory and an attacker's directory owned by nobody, and root's secret beside them.</summary>
    private sealed class Scene : IDisposable
    {
        private Scene(TempDirectory dir)
        {
            Dir = dir;
        }

        public TempDirectory Dir { get; }

        public string Victim => Dir["victim"];

        public string Attacker => Dir["attk"];

        /// <summary>Stands for /etc/shadow.</summary>
        public string Secret => Dir["secret"];

        public static async Task<Scene> CreateAsync()
        {
            var dir = new TempDirectory();
            try
            {
                // nobody must reach victim/ and attk/ inside the test's directory.
                File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
                Directory.CreateDirectory(dir["victim"]);
                Directory.CreateDirectory(dir["attk"]);
                var chown = await Clients.RunProgramAsync("chown", ["nobody:nogroup", dir["victim"], dir["attk"]]);
                Assert.Equal(0, chown.ExitCode);
                dir.Write("secret", "root:$6$secret\n");
                File.SetUnixFileMode(dir["secret"], (UnixFileMode)SecretMode);
                return new Scene(dir);
            }
            catch
            {
                dir.Dispose();
                throw;
            }
        }

        /// <summary>The audit's bridge: the socket given to nobody, open to everyone.</summary>
        public static string Config(string listen) => $$"""
            { "Bridges": { "app": { "Listen": "{{listen}}", "Exec": ["/bin/echo", "hi"], "User": "root",
                "SocketMode": "0666", "SocketUser": "nobody", "SocketGroup": "nogroup" } } }
            """;

        public void AssertSecretUntouched(string when = "at the end")
        {
            FileStatus secret = Posix.TryLStat(Secret)!.Value;
            Assert.True(secret.IsRegularFile, $"{when}: the secret is {secret.Kind}");
            Assert.True(secret.Permissions == SecretMode && secret.Uid == 0 && secret.Gid == 0,
                $"{when}: the secret is now {FileStatus.FormatMode(secret.Permissions)} {secret.Uid}:{secret.Gid}");
            Assert.Equal("root:$6$secret\n", File.ReadAllText(Secret));
        }

        public void Dispose() => Dir.Dispose();
    }
}
