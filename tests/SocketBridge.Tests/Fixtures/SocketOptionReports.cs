using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SocketBridge.Tests.Fixtures;

/// <summary>
/// What the kernel says of a bridge's sockets: a python3 program that reads
/// the socket options with getsockopt (a spawn program from its connection
/// on fd 0; a handoff program from every listening socket, fd 3 on, and from
/// the connection it accepts), and <c>ss</c>'s view of the listening sockets.
/// </summary>
public static partial class SocketOptionReports
{
    /// <summary>
    /// The program. It first takes the client's message with recvmsg(2), so
    /// SCM_CREDENTIALS arrive when SO_PASSCRED is on, then answers one JSON
    /// line: the options of each socket, the sender's credentials, its pid
    /// and parent (the daemon that launched it).
    /// </summary>
    private const string Program = """
        #!/usr/bin/python3
        import json, os, select, socket, struct, sys
        IP_FREEBIND, IPV6_FREEBIND, SO_BINDTODEVICE = 15, 78, 25
        def read(fd):
            s = socket.socket(fileno=os.dup(fd))
            g = lambda level, name: s.getsockopt(level, name)
            o = {"family": s.family.name,
                 "rcvbuf": g(socket.SOL_SOCKET, socket.SO_RCVBUF), "sndbuf": g(socket.SOL_SOCKET, socket.SO_SNDBUF),
                 "mark": g(socket.SOL_SOCKET, socket.SO_MARK), "reuseport": g(socket.SOL_SOCKET, socket.SO_REUSEPORT),
                 "passcred": g(socket.SOL_SOCKET, socket.SO_PASSCRED) if s.family == socket.AF_UNIX else None,
                 "device": s.getsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, 16).rstrip(b"\0").decode()}
            if s.family in (socket.AF_INET, socket.AF_INET6):
                o.update({"keepalive": g(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                          "keepidle": g(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE), "keepintvl": g(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL),
                          "keepcnt": g(socket.IPPROTO_TCP, socket.TCP_KEEPCNT), "defer_accept": g(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT)})
                if s.family == socket.AF_INET6:
                    o.update({"freebind": g(socket.IPPROTO_IPV6, IPV6_FREEBIND), "v6only": g(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)})
                else:
                    o["freebind"] = g(socket.IPPROTO_IP, IP_FREEBIND)
            s.close()
            return o
        def serve(conn):
            data, ancillary, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(12))
            creds = None
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    creds = list(struct.unpack("iII", value[:12]))
            return {"connection": read(conn.fileno()), "credentials": creds, "message": data.decode(),
                    "pid": os.getpid(), "ppid": os.getppid()}
        if sys.argv[1] == "spawn":
            report = serve(socket.socket(fileno=os.dup(0)))
            sys.stdout.write(json.dumps(report) + "\n")
        else:
            fds = list(range(3, 3 + int(os.environ["LISTEN_FDS"])))
            listeners = [socket.socket(fileno=fd) for fd in fds]
            ready, _, _ = select.select(listeners, [], [])
            conn, _ = ready[0].accept()
            report = serve(conn)
            report["listeners"] = [read(fd) for fd in fds]
            report["accepted_on"] = ready[0].fileno()
            conn.sendall((json.dumps(report) + "\n").encode())
            conn.close()
        """;

    public static string Write(TempDirectory directory) => directory.WriteScript("sockopts.py", Program);

    /// <summary>Sends one line on <paramref name="client"/> and reads the program's report.</summary>
    public static async Task<JsonElement> AskAsync(Socket client, string message = "hello")
    {
        using (client)
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(message + "\n"));
            return ChildScripts.Parse(await Clients.ReadLineAsync(client));
        }
    }

    /// <summary>An integer option of a socket in a report.</summary>
    public static int Option(JsonElement socket, string name) => socket.GetProperty(name).GetInt32();

    /// <summary>
    /// ss's line for each socket listening on <paramref name="port"/>, with
    /// the details (<c>-e</c>: inode, fwmark; <c>-m</c>: skmem), one line per socket.
    /// </summary>
    public static async Task<IReadOnlyList<Listener>> ListeningAsync(int port)
    {
        var (exit, stdout, stderr) = await Clients.RunProgramAsync("ss", ["-Htlnoem", $"sport = :{port}"]);
        Assert.True(exit == 0, stderr);

        // -m puts skmem on a line of its own: join it to its socket's.
        var lines = new List<string>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('\t') || line.StartsWith(' '))
            {
                lines[^1] += " " + line.Trim();
            }
            else
            {
                lines.Add(line);
            }
        }

        return [.. lines.Select(Listener.Parse)];
    }

    /// <summary>One listening socket as ss shows it.</summary>
    public sealed partial record Listener(string Local, long Inode, uint? Mark, int ReceiveBuffer, int SendBuffer, string Line)
    {
        public static Listener Parse(string line)
        {
            Match match = Fields().Match(line);
            Assert.True(match.Success, $"ss line not understood: {line}");
            return new Listener(
                match.Groups["local"].Value,
                long.Parse(match.Groups["inode"].Value),
                match.Groups["mark"].Success ? Convert.ToUInt32(match.Groups["mark"].Value, 16) : null,
                int.Parse(match.Groups["rb"].Value),
                int.Parse(match.Groups["tb"].Value),
                line);
        }

        [GeneratedRegex(@"^LISTEN\s+\d+\s+\d+\s+(?<local>\S+)\s+\S+.*\sino:(?<inode>\d+)(?:.*\sfwmark:0x(?<mark>[0-9a-f]+))?.*skmem:\(r\d+,rb(?<rb>\d+),t\d+,tb(?<tb>\d+)")]
        private static partial Regex Fields();
    }
}
