using System.Text.Json;

namespace SocketBridge.Tests.Fixtures;

/// <summary>Programs for bridges to launch, written into a test's directory.</summary>
public static class ChildScripts
{
    /// <summary>Debian's python, which has python3-systemd (the pyenv one on PATH does not).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>
    /// A program that writes one JSON line about itself to its stdout (the
    /// connection): pid, session, ids, cwd, environment, open descriptors,
    /// the peer seen with getpeername on fd 0, and then waits for the client
    /// to close unless told to exit at once.
    /// </summary>
    public static string Reporter(TempDirectory directory) => directory.WriteScript("report.py", """
        #!/usr/bin/python3
        import json, os, socket, sys
        fds = []
        for name in os.listdir('/proc/self/fd'):
            fd = int(name)
            try:
                os.fstat(fd)  # the directory listdir used is closed by now
                fds.append(fd)
            except OSError:
                pass
        s = socket.socket(fileno=os.dup(0))
        peer = s.getpeername()
        family = s.family.name
        options = {}
        if s.family != socket.AF_UNIX:
            options = {"nodelay": s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0,
                       "keepalive": s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0}
        s.close()
        # The environment as exec'd (os.environ has Python's own additions, such as LC_CTYPE).
        with open('/proc/self/environ', 'rb') as f:
            env = dict(v.decode().split('=', 1) for v in f.read().split(b'\0') if v)
        info = {
            "pid": os.getpid(), "sid": os.getsid(0), "pgid": os.getpgid(0),
            "uid": os.getuid(), "gid": os.getgid(), "groups": sorted(os.getgroups()),
            "cwd": os.getcwd(), "env": env, "fds": sorted(fds),
            "peer": peer if isinstance(peer, str) else [peer[0], peer[1]],
            "family": family, "options": options,
            "same_socket": [os.fstat(0).st_ino == os.fstat(fd).st_ino for fd in (1, 3)],
            "stderr_kind": "socket" if os.path.stat.S_ISSOCK(os.fstat(2).st_mode) else "other",
            "blocking": os.get_blocking(0),
        }
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        if len(sys.argv) > 1 and sys.argv[1] == "wait":
            sys.stdin.read()
        """);

    public static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();
}
