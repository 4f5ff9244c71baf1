using System.Diagnostics;
using SocketBridge.Control;
using SocketBridge.Tests.Fixtures;

namespace SocketBridge.Tests.Endpoints;

/// <summary>
/// A Unix socket's own address is its configured path (SPEC 8), so real
/// servers that check the socket they are handed (sd_is_socket_unix(3))
/// take it, and its file is never open wider, or to another owner, than
/// configured while it is being made.
/// </summary>
public sealed class RealServerSocketTests
{
    private const string Lighttpd = "/usr/sbin/lighttpd";

    [Fact]
    public async Task Lighttpd_socket_activated_by_a_handoff_bridge_takes_the_socket_and_serves()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // www-data reads the documents
        string socket = dir["web.sock"];
        Directory.CreateDirectory(dir["www"]);
        dir.Write("www/index.html", "hello from lighttpd\n");
        // lighttpd takes a socket passed with LISTEN_FDS only when it is the one server.bind names.
        string conf = dir.Write("lighttpd.conf", $"""
            server.document-root = "{dir["www"]}"
            server.bind = "{socket}"
            server.systemd-socket-activation = "enable"
            server.modules = ()
            """);
        await using Daemon daemon = await Daemon.StartAsync($$"""
            { "Bridges": { "web": { "Listen": "unix:{{socket}}", "Mode": "handoff", "User": "www-data", "SocketMode": "0666",
                "Exec": ["{{Lighttpd}}", "-D", "-f", "{{conf}}"] } } }
            """, dir);

        for (int request = 0; request < 2; request++)
        {
            string reply = await Clients.ExchangeAsync(await Clients.ConnectUnixAsync(socket), "GET /index.html HTTP/1.0\r\n\r\n");
            Assert.StartsWith("HTTP/1.0 200 OK", reply);
            Assert.EndsWith("\r\n\r\nhello from lighttpd\n", reply);
        }

        // One lighttpd served both: it took the socket and kept it, never exiting in refusal.
        await daemon.WaitForLogAsync("launched child");
        Assert.Single(daemon.Logs, l => l.Contains("launched child"));
        Assert.DoesNotContain(daemon.Logs, l => l.Contains("still in use") || l.Contains("exited with status"));
    }

    [Fact]
    public async Task A_client_racing_200_socket_creations_never_sees_a_looser_mode_or_another_owner_nor_connects()
    {
        using var dir = new TempDirectory();
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8)); // nobody may try
        string Config(int attempt) => $$"""
            { "Bridges": { "private": { "Listen": "unix:{{dir[$"s{attempt % 2}.sock"]}}", "Exec": ["/bin/echo", "secret"], "User": "root",
                "SocketMode": "0640", "SocketGroup": "nogroup" } } }
            """;
        await using Daemon daemon = await Daemon.StartAsync(Config(0), dir);

        // Both names, as fast as they can: every state the file is seen in, and every connect as nobody.
        string racer = dir.WriteScript("racer.py", $$"""
            #!{{ChildScripts.Python}}
            import os, socket, sys, time
            paths = ["{{dir["s0.sock"]}}", "{{dir["s1.sock"]}}"]
            seen, connected = set(), 0
            end = time.monotonic() + float(sys.argv[1])
            while time.monotonic() < end and not os.path.exists("{{dir["stop"]}}"):
                for p in paths:
                    try:
                        st = os.lstat(p)
                        seen.add("%04o %d:%d" % (st.st_mode & 0o7777, st.st_uid, st.st_gid))
                    except FileNotFoundError:
                        pass
                    if os.getuid() != 0:
                        s = socket.socket(socket.AF_UNIX)
                        try:
                            s.connect(p)
                            connected += 1
                        except OSError:
                            pass
                        s.close()
            print(",".join(sorted(seen)) if os.getuid() == 0 else connected)
            """);
        Task<(int ExitCode, string Stdout, string Stderr)> watcher = Clients.RunProgramAsync(racer, ["60"], timeout: TimeSpan.FromSeconds(90));
        Task<(int ExitCode, string Stdout, string Stderr)> intruder = Clients.RunProgramAsync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", racer, "60"], timeout: TimeSpan.FromSeconds(90));

        // Every reload moves the socket to the other name: a new file each time.
        var clock = Stopwatch.StartNew();
        for (int attempt = 1; attempt <= 200; attempt++)
        {
            dir.Write("config.json", Config(attempt));
            string answer = await Wait.ForAsync(ControlClient.SendAsync(daemon.ControlSocket, ControlRequest.Reload, CancellationToken.None), $"reload {attempt}");
            Assert.Contains("\"Reloaded\": true", answer);
        }

        dir.Write("stop", string.Empty);
        var watched = await Wait.ForAsync(watcher, "the watcher");
        var intruded = await Wait.ForAsync(intruder, "the intruder");

        // Made with no permissions at all (root's), then given its group, then its mode.
        Assert.True(watched.ExitCode == 0, watched.Stderr);
        string[] states = watched.Stdout.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("0640 0:65534", states);
        Assert.Subset(new HashSet<string> { "0000 0:0", "0000 0:65534", "0640 0:65534" }, states.ToHashSet());
        Assert.True(intruded.ExitCode == 0, intruded.Stderr);
        Assert.Equal("0", intruded.Stdout.Trim());
    }
}
