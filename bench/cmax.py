#!/usr/bin/env python3
"""As many concurrent forwarded connections through one bridge as the daemon's open-file limit allows.

    bench/cmax.py > out/bench/cmax.md      (make cmax)

Starts the daemon (SOCKETBRIDGE_BIN, default the NativeAOT out/publish/socketbridge)
with one forward bridge (LogLevel Warning, MaxConnections as high as its hard
open-file limit) to bench/netbench.c's epoll echo server, which runs as a
process of its own (it needs a descriptor per connection as well). This
script is the client, a process of its own too: it opens connections, each
from one of many loopback source addresses (127.0.0.2, 127.0.0.3, ..., so the
ephemeral ports of one address are never the limit), BENCH_CMAX_WINDOW at a
time, and each one sends a byte and waits for its echo. It goes on until the
daemon refuses one (closes it unserved: the descriptors it may use, the
reserve left aside, are all taken), or BENCH_CMAX_MAX are held.

Then, with them all open:
  - the daemon's RSS growth per connection (VmRSS, against a start warmed up
    with 50 short connections), its descriptors, and the kernel's memory for
    the sockets (Slab in /proc/meminfo and TCP "mem" in /proc/net/sockstat:
    every forwarded connection is four sockets, the client's, the daemon's
    two and the echo server's);
  - the daemon's CPU time (every thread, from /proc/PID/task/*/schedstat)
    while they sit idle for BENCH_CMAX_IDLE seconds;
  - a second round trip on every connection, after the idle time;
  - the time to close them all: until the daemon is back at the descriptors
    it had before, and the echo server has none left.
Prints a Markdown table on stdout, progress on stderr. The open-file limit
the daemon runs with is whatever this script was started with (raise the
hard one with prlimit or ulimit -Hn); the client and the echo server get the
same. BENCH_CMAX_PORT_BASE (default 28881, below the ephemeral range): the
echo server's port, and the bridge's one above.
"""
import errno
from collections import Counter
import os
import resource
import selectors
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IP_BIND_ADDRESS_NO_PORT = 24  # <linux/in.h>: the port is chosen at connect(), by the whole 4-tuple
PER_ADDRESS = 1000  # connections from each loopback source address


def log(message):
    print(message, file=sys.stderr, flush=True)


def fail(message):
    raise SystemExit(f"bench/cmax.py: {message}")


def accepts(port):
    with socket.socket() as probe:
        try:
            probe.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_until(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what() if callable(what) else what}")
        time.sleep(0.02)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def descriptors(pid, besides=None):
    """The descriptors of PID, but those open on the file BESIDES (the daemon's log, which .NET's
    console dups once, at the first entry)."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += 0 if besides and os.readlink(f"/proc/{pid}/fd/{fd}") == besides else 1
        except OSError:
            pass
    return count


def described(pid):
    """What each descriptor of PID is ("socket", "anon_inode:[eventpoll]", a path), sorted."""
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        out.append(target.split(":[")[0] if target.startswith(("socket:", "pipe:")) else target)
    return sorted(out)


def cpu_ns(pid):
    """User and system time of every thread of PID, ns (schedstat's first field)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def kernel_kib():
    """(Slab kB from /proc/meminfo, TCP socket buffer memory KiB from /proc/net/sockstat)."""
    slab = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Slab:"):
                slab = int(line.split()[1])
    tcp = 0
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                fields = line.split()
                tcp = int(fields[fields.index("mem") + 1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    return slab, tcp


def live(countfile):
    with open(countfile) as f:
        text = f.read().strip()
    return int(text) if text else 0


def open_all(port, window, limit):
    """
    Opens connections until one is refused or LIMIT are held, WINDOW at a
    time; each sends a byte and waits for its echo. Returns the held
    sockets and the number refused.
    """
    sel = selectors.DefaultSelector()
    held, refused, pending, started = [], 0, 0, 0
    stop = False
    while True:
        while not stop and pending < window and started < limit:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            source = 2 + started // PER_ADDRESS
            s.bind((f"127.0.{source // 256}.{source % 256}", 0))
            s.setblocking(False)
            rc = s.connect_ex(("127.0.0.1", port))
            if rc not in (0, errno.EINPROGRESS):
                fail(f"connection {started + 1}: {os.strerror(rc)}")
            sel.register(s, selectors.EVENT_WRITE, "connecting")
            pending += 1
            started += 1
        if pending == 0:
            break
        for key, _ in sel.select(timeout=30) or fail(f"{pending} connections neither served nor refused within 30 s"):
            s = key.fileobj
            if key.data == "connecting":
                rc = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if rc != 0:
                    fail(f"connect: {os.strerror(rc)}")
                s.send(b"x")
                sel.modify(s, selectors.EVENT_READ, "echo")
                continue
            try:
                data = s.recv(1)
            except ConnectionError:
                data = b""
            sel.unregister(s)
            pending -= 1
            if data == b"x":
                s.setblocking(True)
                held.append(s)
            else:
                # Closed unserved: the daemon has no descriptor left for it.
                s.close()
                refused += 1
                stop = True
    sel.close()
    return held, refused


def echo_all(connections):
    """One more byte there and back on every connection, all at once; the number that failed."""
    sel = selectors.DefaultSelector()
    for s in connections:
        s.setblocking(False)
        s.send(b"y")
        sel.register(s, selectors.EVENT_READ)
    waiting, failed = len(connections), 0
    while waiting:
        events = sel.select(timeout=30)
        if not events:
            return failed + waiting
        for key, _ in events:
            try:
                ok = key.fileobj.recv(1) == b"y"
            except OSError:
                ok = False
            failed += 0 if ok else 1
            waiting -= 1
            sel.unregister(key.fileobj)
    sel.close()
    return failed


def main():
    sb = os.environ.get("SOCKETBRIDGE_BIN") or os.path.join(ROOT, "out", "publish", "socketbridge")
    base = int(os.environ.get("BENCH_CMAX_PORT_BASE", "28881"))
    idle = float(os.environ.get("BENCH_CMAX_IDLE", "10"))
    window = int(os.environ.get("BENCH_CMAX_WINDOW", "256"))
    echo_port, relay_port = base, base + 1
    if not os.access(sb, os.X_OK):
        fail(f"no {sb}: run 'make publish' first, or set SOCKETBRIDGE_BIN")
    for port in (echo_port, relay_port):
        if accepts(port):
            fail(f"port {port} is already in use (set BENCH_CMAX_PORT_BASE)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # The client, the echo server and the daemon (which raises its own) each get the hard limit.
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    limit = int(os.environ.get("BENCH_CMAX_MAX", str(hard // 2)))
    with open("/proc/loadavg") as f:
        load_start = " ".join(f.read().split()[:3])

    processes = []
    held = []
    with tempfile.TemporaryDirectory(prefix="sb-cmax-") as work:
        try:
            netbench = os.path.join(work, "netbench")
            subprocess.run(["gcc", "-O2", "-Wall", "-pthread", "-o", netbench, os.path.join(HERE, "netbench.c")], check=True)
            counted = os.path.join(work, "echo.count")
            processes.append(subprocess.Popen([netbench, "echo", f"tcp:127.0.0.1:{echo_port}", counted]))
            wait_until(lambda: accepts(echo_port), "the echo server")
            config = os.path.join(work, "config.json")
            with open(config, "w") as f:
                f.write(f"""{{ "SocketBridge": {{ "LogLevel": "Warning", "ControlSocket": "{work}/control.sock" }},
  "Bridges": {{ "fw": {{ "Listen": "tcp:127.0.0.1:{relay_port}", "Target": "tcp:127.0.0.1:{echo_port}", "MaxConnections": {hard} }} }} }}""")
            log_path = os.path.join(work, "daemon.log")
            daemon_log = open(log_path, "w")
            # With the soft limit this script was started with: the daemon raises its own.
            daemon = subprocess.Popen([sb, "run", "-c", config], stdout=daemon_log, stderr=subprocess.STDOUT,
                                      preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)))
            processes.append(daemon)
            wait_until(lambda: accepts(relay_port), "the daemon's bridge")
            with open(f"/proc/{daemon.pid}/limits") as f:
                daemon_limit = next(line.split()[3] for line in f if line.startswith("Max open files"))

            # Warm-up, as bench/forward.sh's memory measure: 50 short connections.
            warm, _ = open_all(relay_port, 10, 50)
            for s in warm:
                s.close()
            wait_until(lambda: live(counted) == 0, "the warm-up connections to end")
            time.sleep(1)
            kinds0 = described(daemon.pid)
            fds0, rss0, (slab0, tcp0) = descriptors(daemon.pid, log_path), rss_kib(daemon.pid), kernel_kib()

            log(f"bench/cmax.py: opening connections through the bridge (daemon's limit {daemon_limit}, at most {limit})")
            t0 = time.monotonic()
            held, refused = open_all(relay_port, window, limit)
            opened_s = time.monotonic() - t0
            n = len(held)
            log(f"bench/cmax.py: {n} held, {refused} refused, in {opened_s:.2f} s")
            wait_until(lambda: live(counted) == n, f"the echo server to hold {n} (it has {live(counted)})", 30)
            time.sleep(1)
            fds1, rss1, (slab1, tcp1) = descriptors(daemon.pid, log_path), rss_kib(daemon.pid), kernel_kib()
            c0 = cpu_ns(daemon.pid)
            time.sleep(idle)
            idle_cpu_ms = (cpu_ns(daemon.pid) - c0) / 1e6
            failed = echo_all(held)
            if failed:
                fail(f"{failed} of {n} connections did not echo after {idle:.0f} s idle")

            t1 = time.monotonic()
            for s in held:
                s.close()
            held = []
            wait_until(lambda: descriptors(daemon.pid, log_path) <= fds0 and live(counted) == 0,
                       lambda: f"the daemon to return to its {fds0} descriptors (it has {descriptors(daemon.pid, log_path)}: {list((Counter(described(daemon.pid)) - Counter(kinds0)).elements())} more; the echo server {live(counted)} connections)", 120)
            closed_s = time.monotonic() - t1
            time.sleep(1)
            fds2, rss2 = descriptors(daemon.pid, log_path), rss_kib(daemon.pid)
            if daemon.poll() is not None:
                fail(f"the daemon exited with {daemon.returncode}")
        finally:
            for s in held:
                s.close()
            for p in reversed(processes):
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()

    with open("/proc/loadavg") as f:
        load_end = " ".join(f.read().split()[:3])
    per_conn = (rss1 - rss0) / n if n else 0
    print(f"Held through one forward bridge: **{n:,}** connections (daemon's open-file limit {daemon_limit}; "
          f"{refused} refused when the descriptors it may use were all taken). Load average {load_start} before, {load_end} after.")
    print()
    print("| measurement | value |")
    print("| --- | ---: |")
    print(f"| connections held, each with a round trip on opening and another after {idle:.0f} s idle | {n:,} |")
    print(f"| daemon descriptors (besides its log's): before, while held, after closing | {fds0} / {fds1:,} / {fds2} |")
    print(f"| daemon RSS before (warmed up), while held, after closing, MiB | {rss0 / 1024:.1f} / {rss1 / 1024:.1f} / {rss2 / 1024:.1f} |")
    print(f"| daemon RSS growth per connection, KiB | {per_conn:.2f} |")
    print(f"| daemon CPU time over {idle:.0f} s with all of them idle, ms | {idle_cpu_ms:.1f} |")
    print(f"| time to open them all (connect, 1-byte round trip; {window} at a time), s | {opened_s:.2f} |")
    print(f"| time to close them all (until the daemon is back at {fds0} descriptors), s | {closed_s:.2f} |")
    print(f"| kernel slab growth per forwarded connection (four sockets), KiB | {(slab1 - slab0) / n if n else 0:.2f} |")
    print(f"| kernel TCP buffer memory per forwarded connection, idle, KiB | {(tcp1 - tcp0) / n if n else 0:.2f} |")
    if fds2 > fds0:
        fail(f"the daemon holds {fds2} descriptors after closing, {fds0} before")


if __name__ == "__main__":
    main()
