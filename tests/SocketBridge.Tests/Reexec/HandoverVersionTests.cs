using System.Net.Sockets;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Reexec;

/// <summary>
/// The new image of a re-exec reads only a handover of a version it knows.
/// Here a launcher plays the old image: it binds the bridge's socket itself,
/// hands it over with a sealed memfd whose state is of another version, and
/// execs socketbridge in its own process, as a re-exec does. The daemon must
/// say which file and which field it cannot read, and still keep the
/// listening socket: a client that connected before the exec is served.
/// </summary>
public sealed class HandoverVersionTests
{
    private const string Launcher = """
        import fcntl, json, os, socket, sys
        path = os.environ["SB_TEST_SOCKET"]
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(16)
        state = os.memfd_create("socketbridge-handover", os.MFD_ALLOW_SEALING)
        os.write(state, json.dumps({"Version": int(os.environ["SB_TEST_VERSION"]), "Program": sys.argv[1], "Bridges": []}).encode())
        fcntl.fcntl(state, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
        os.set_inheritable(listener.fileno(), True)
        env = dict(os.environ, SOCKETBRIDGE_HANDOVER=str(state), SOCKETBRIDGE_LISTEN_FDS=str(listener.fileno()), SOCKETBRIDGE_LISTEN_FDNAMES="")
        # Ready to be connected to before socketbridge runs: the client waits in the backlog.
        open(path + ".bound", "w").close()
        os.execve(sys.argv[1], sys.argv[1:], env)
        """;

    [Theory]
    [InlineData(2, "field \"Version\" is 2, and this socketbridge reads version 1 only")]
    [InlineData(0, "field \"Version\" is 0, and this socketbridge reads version 1 only")]
    public async Task UnknownVersionIsNamedAndTheListeningSocketIsKept(int version, string expected)
    {
        using var dir = new TempDirectory();
        string socketPath = dir["echo.sock"];
        string script = dir.Write("launcher.py", Launcher);
        string config = dir.Write("config.json", $$"""
            { "Bridges": { "echo": { "Listen": "unix:{{socketPath}}", "User": "root", "Exec": ["cat"] } } }
            """);
        Daemon daemon = Daemon.Launch(
            ["run", "-c", config],
            dir,
            ownsDirectory: false,
            environment: new Dictionary<string, string> { ["SB_TEST_SOCKET"] = socketPath, ["SB_TEST_VERSION"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            launcher: ["/usr/bin/python3", script]);
        await using (daemon)
        {
            // Connected to the socket the "old image" bound, before the daemon runs.
            await Wait.UntilAsync(() => File.Exists(socketPath + ".bound"), "the launcher's socket");
            using Socket early = await Clients.ConnectUnixAsync(socketPath);
            await early.SendAsync("queued before the exec\n"u8.ToArray());

            await daemon.WaitReadyAsync();
            string line = await daemon.WaitForLogAsync("handover cannot be read");
            Assert.Contains("memfd:socketbridge-handover (fd ", line);
            Assert.Contains(expected, line);
            Assert.Contains("the listening sockets are kept", line);

            // The very socket was adopted: the early client is served by cat.
            Assert.Equal("queued before the exec", await Clients.ReadLineAsync(early));
            Assert.Equal(0, daemon.Logs.Count(l => l.Contains("bridge echo: cannot listen", StringComparison.Ordinal)));
        }
    }
}
