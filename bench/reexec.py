#!/usr/bin/env python3
"""How long a re-exec takes with BENCH_REEXEC_CONNS forwarded connections open.

    bench/reexec.py > out/bench/reexec.md      (make bench, or make bench-reexec alone)

Starts the daemon (SOCKETBRIDGE_BIN, default the NativeAOT out/publish/socketbridge)
with one forward bridge to bench/netbench.c's echo server and a NOTIFY_SOCKET
of its own, opens the connections through it (each echoes a byte, and the
echo server has accepted them all), then re-executes it BENCH_REEXEC_ROUNDS
times in a row with `socketbridge reexec`, timing each from just before the
command starts:
  - to the command's exit: its answer comes from the new image once it is
    ready (the round trip an operator or a package script waits for);
  - to READY=1 on NOTIFY_SOCKET (what systemd waits for);
  - and from RELOADING=1 to READY=1: the exec and the new image's take-over,
    without the old image's check of the new binary before it.
Afterwards every connection must still echo a byte, and the daemon must
have kept its PID. The same number of re-execs with no connection open
comes first, for comparison. Prints a Markdown table on stdout (medians, and every
re-exec), progress on stderr. BENCH_REEXEC_PORT_BASE (default 28811, below
the ephemeral range): the echo server's port, and the bridge's one above.
"""
import os
import resource
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def log(message):
    print(message, file=sys.stderr, flush=True)


def fail(message):
    raise SystemExit(f"bench/reexec.py: {message}")


SO_TIMESTAMPNS = 35  # <asm-generic/socket.h>: each datagram's arrival time, from the kernel (CLOCK_REALTIME)


class Notifications:
    """
    The daemon's sd_notify datagrams, each stamped with its arrival time as
    the kernel saw it (time.time()'s clock), not when this thread got to it:
    on a busy machine that can be tens of milliseconds later.
    """

    def __init__(self, path):
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.socket.bind(path)
        self.received = []
        self.changed = threading.Condition()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                data, ancillary, _, _ = self.socket.recvmsg(4096, socket.CMSG_SPACE(16))
            except OSError:
                return
            at = time.time()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                    seconds, nanoseconds = struct.unpack("qq", value[:16])
                    at = seconds + nanoseconds / 1e9
            with self.changed:
                self.received.append((at, data.decode(errors="replace").split("\n")))
                self.changed.notify_all()

    def wait_for(self, field, after, timeout):
        """The arrival time (time.time()) of the first notification with FIELD (e.g. READY=1) that came after AFTER."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for at, fields in self.received:
                    if at >= after and field in fields:
                        return at
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)


def accepts(port):
    with socket.socket() as probe:
        try:
            probe.connect(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_until(condition, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def echo_all(connections, what):
    """One byte there and back on every connection; the number that failed."""
    failed = 0
    for c in connections:
        try:
            c.sendall(b"x")
            if c.recv(1) != b"x":
                failed += 1
        except OSError:
            failed += 1
    if failed:
        fail(f"{failed} of {len(connections)} connections did not echo {what}")


def main():
    sb = os.environ.get("SOCKETBRIDGE_BIN") or os.path.join(ROOT, "out", "publish", "socketbridge")
    rounds = int(os.environ.get("BENCH_REEXEC_ROUNDS", "15"))
    count = int(os.environ.get("BENCH_REEXEC_CONNS", "1000"))
    base = int(os.environ.get("BENCH_REEXEC_PORT_BASE", "28811"))
    echo_port, relay_port = base, base + 1
    if not os.access(sb, os.X_OK):
        fail(f"no {sb}: run 'make publish' first, or set SOCKETBRIDGE_BIN")
    for port in (echo_port, relay_port):
        if accepts(port):
            fail(f"port {port} is already in use (set BENCH_REEXEC_PORT_BASE)")
    # The clients here, the relay and the echo server each hold a descriptor per connection.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 2 * count + 100:
        fail(f"open-file limit {hard} is too low for {count} connections")

    processes = []
    connections = []
    begun = time.monotonic()
    with open("/proc/loadavg") as f:
        load_start = " ".join(f.read().split()[:3])
    with tempfile.TemporaryDirectory(prefix="sb-reexec-") as work:
        try:
            netbench = os.path.join(work, "netbench")
            subprocess.run(["gcc", "-O2", "-Wall", "-pthread", "-o", netbench, os.path.join(HERE, "netbench.c")], check=True)
            counted = os.path.join(work, "echo.count")
            echo = subprocess.Popen([netbench, "echo", f"tcp:127.0.0.1:{echo_port}", counted],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "echo.log"), "wb"))
            processes.append(echo)
            wait_until(lambda: os.path.exists(counted) and accepts(echo_port), f"the echo server on port {echo_port}")

            control = os.path.join(work, "control.sock")
            config = os.path.join(work, "reexec.json")
            with open(config, "w") as f:
                f.write(f"""{{ "SocketBridge": {{ "LogLevel": "Warning", "ControlSocket": "{control}" }},
  "Bridges": {{ "relay": {{ "Listen": "tcp:127.0.0.1:{relay_port}", "Target": "tcp:127.0.0.1:{echo_port}", "MaxConnections": 5000 }} }} }}
""")
            notifications = Notifications(os.path.join(work, "notify.sock"))
            env = dict(os.environ, NOTIFY_SOCKET=os.path.join(work, "notify.sock"))
            daemon_log = open(os.path.join(work, "socketbridge.log"), "w+b")
            started = time.time()
            daemon = subprocess.Popen([sb, "run", "-c", config], env=env, stdin=subprocess.DEVNULL, stdout=daemon_log, stderr=daemon_log)
            processes.append(daemon)

            def daemon_output():
                daemon_log.seek(0)
                return daemon_log.read().decode(errors="replace")[-3000:]

            if notifications.wait_for("READY=1", started, 20) is None:
                fail(f"socketbridge sent no READY=1 (exit status {daemon.poll()}):\n{daemon_output()}")

            def measure(what):
                taken = []
                for r in range(1, rounds + 1):
                    t0 = time.time()
                    result = subprocess.run([sb, "reexec", "--control", control], capture_output=True, text=True, timeout=60)
                    t1 = time.time()
                    if result.returncode != 0 or not result.stdout.startswith("re-executed:"):
                        fail(f"re-exec {r} ({what}): exit {result.returncode}\n{result.stdout}{result.stderr}\n{daemon_output()}")
                    ready = notifications.wait_for("READY=1", t0, 10)
                    reloading = notifications.wait_for("RELOADING=1", t0, 0)
                    if ready is None:
                        fail(f"re-exec {r} ({what}): no READY=1 came\n{daemon_output()}")
                    if daemon.poll() is not None:
                        fail(f"re-exec {r} ({what}): the daemon exited with {daemon.returncode}\n{daemon_output()}")
                    sample = {
                        "command": (t1 - t0) * 1000,
                        "ready": (ready - t0) * 1000,
                        "exec": (ready - reloading) * 1000 if reloading is not None and reloading <= ready else None,
                    }
                    taken.append(sample)
                    log(f"re-exec {r}/{rounds}, {what}: command {sample['command']:.1f} ms, to READY=1 {sample['ready']:.1f} ms"
                        + (f", RELOADING=1 to READY=1 {sample['exec']:.1f} ms" if sample["exec"] is not None else ""))
                return taken

            # The same re-execs with no connection open first: what the connections add.
            idle_samples = measure("no connection open")

            log(f"opening {count} connections through the forward bridge")
            for _ in range(count):
                c = socket.create_connection(("127.0.0.1", relay_port), timeout=10)
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connections.append(c)
            echo_all(connections, "before the first re-exec")

            def open_at_backend():
                with open(counted) as f:
                    text = "".join(ch for ch in f.read() if ch.isdigit())
                return int(text or 0)

            wait_until(lambda: open_at_backend() >= count, f"the echo server to hold {count} connections")

            samples = measure(f"{count} connections open")
            echo_all(connections, f"after {rounds} re-execs")
            still_open = open_at_backend()
            if still_open < count:
                fail(f"the echo server holds {still_open} of the {count} connections after the re-execs")
            if daemon.poll() is not None:
                fail("the daemon exited")
            elapsed = time.monotonic() - begun
            with open("/proc/loadavg") as f:
                load_end = " ".join(f.read().split()[:3])
        finally:
            for c in connections:
                c.close()
            for p in reversed(processes):
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def values(taken, key):
        return [s[key] for s in taken if s[key] is not None]

    def cell(taken, key):
        v = values(taken, key)
        return "—" if not v else f"{statistics.median(v):.1f} (min {min(v):.1f}, max {max(v):.1f})"

    target = statistics.median(values(samples, "ready"))
    print(f"| re-exec, medians ({rounds} re-execs each) | {count:,} forwarded connections open | none open | target |")
    print("| --- | ---: | ---: | --- |")
    print(f"| request to READY=1 (ms) | {cell(samples, 'ready')} | {cell(idle_samples, 'ready')} | "
          f"< 100 ms with {count:,} open: {'met' if target < 100 else '**missed**'} |")
    print(f"| `socketbridge reexec`, start to exit (ms) | {cell(samples, 'command')} | {cell(idle_samples, 'command')} | — |")
    print(f"| RELOADING=1 to READY=1: exec and take-over (ms) | {cell(samples, 'exec')} | {cell(idle_samples, 'exec')} | — |")
    print()
    print(f"Each re-exec is timed from just before `socketbridge reexec` starts; the daemon checks the new binary "
          f"(`socketbridge check` as a child) before it executes it, and answers once the new image is ready. "
          f"READY=1 and RELOADING=1 are the daemon's sd_notify messages, timed on arrival at the bench's NOTIFY_SOCKET (the kernel's SO_TIMESTAMPNS). "
          f"First {rounds} re-execs with no connection open, then {rounds} with {count:,}; before and after those, each "
          f"connection echoed a byte through the bridge, and the daemon kept its PID. "
          f"The run took {elapsed:.0f} s; load average {load_start} at its start, {load_end} at its end.")
    print()
    print("<details><summary>every re-exec</summary>")
    print()
    print("| re-exec | connections open | request to READY=1 ms | command ms | RELOADING=1 to READY=1 ms |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for open_now, taken in ((0, idle_samples), (count, samples)):
        for i, s in enumerate(taken, 1):
            exec_ms = "—" if s["exec"] is None else f"{s['exec']:.1f}"
            print(f"| {i} | {open_now:,} | {s['ready']:.1f} | {s['command']:.1f} | {exec_ms} |")
    print()
    print("</details>")


if __name__ == "__main__":
    main()
