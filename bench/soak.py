#!/usr/bin/env python3
"""Soak run of the real socketbridge daemon (make soak; not part of make test).

Starts `socketbridge run` on three bridges and drives a mix of clients at them:

  spawn    tcp, Exec cat, AllowFrom 127.0.0.1/32
  forward  tcp -> an echo backend (a Python process of its own), AllowFrom 127.0.0.1/32, IdleTimeout 2s
  limited  tcp -> the same backend, RateLimit 200/s (bursts of 600 are driven at it)

Clients (each a new connection):
  good     from 127.0.0.1: send a line, half-close, must get exactly that line back
  refused  from 127.0.0.2 (not in AllowFrom): must be closed at once without a byte
  reset    from 127.0.0.1: send part of a line, then close with SO_LINGER 0 (RST)
  idle     from 127.0.0.1, send nothing: on forward, must be closed by IdleTimeout;
           on spawn (which has no IdleTimeout), hangs up after a while itself
  burst    at limited: some are served and the rest refused, never anything else
           (a burst that this driver could not send faster than the rate sees no
           refusal; at least one must); after each burst, service must resume by
           itself within 3 s

At the end, once every client is done, the daemon's descriptors (besides the
.dll and .so files the .NET runtime maps once) and children must return to
the baseline taken after readiness and a warm-up; RSS is reported. Exit 1 when
they do not, when any good, refused, idle or recovery check failed, or when no
burst saw a refusal; 0 otherwise.

Environment: SOCKETBRIDGE_BIN (default out/socketbridge), SOAK_SPAWN (20000
connections), SOAK_FORWARD (5000), SOAK_CONCURRENCY (48), SOAK_PORT_BASE (47900).
"""

import asyncio
import os
import pwd
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SOCKETBRIDGE_BIN", os.path.join(ROOT, "out", "socketbridge"))
SPAWN_TOTAL = int(os.environ.get("SOAK_SPAWN", "20000"))
FORWARD_TOTAL = int(os.environ.get("SOAK_FORWARD", "5000"))
CONCURRENCY = int(os.environ.get("SOAK_CONCURRENCY", "48"))
PORT_BASE = int(os.environ.get("SOAK_PORT_BASE", "47900"))
SPAWN_PORT, FORWARD_PORT, LIMITED_PORT, BACKEND_PORT = (PORT_BASE + i for i in range(4))
IDLE_TIMEOUT = 2.0
RATE = 200
BURST = 600
CLIENT_TIMEOUT = 15.0

# The share of each kind of client, per bridge; the rest are good clients.
MIX = {
    "spawn": {"refused": 0.10, "reset": 0.07, "idle": 0.03},
    "forward": {"refused": 0.10, "reset": 0.10, "idle": 0.10},
}

results = Counter()
failures = {}


def fail(what):
    """Counts a failed check; keeps the first five messages of each kind of client."""
    results["FAILED"] += 1
    kind = " ".join(what.split()[:2])
    failures.setdefault(kind, [])
    if len(failures[kind]) < 5:
        failures[kind].append(what)


# --- /proc ------------------------------------------------------------------

def descriptors(pid):
    """The daemon's descriptors, but the assemblies and libraries the runtime maps once."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.endswith(".dll") or target.endswith(".so") or ".so." in target:
            continue
        found.append(f"{fd} -> {target}")
    return found


def children(pid):
    result = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            result.append(int(entry))
    return result


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def snapshot(pid):
    return {"fds": len(descriptors(pid)), "children": len(children(pid)), "rss": rss_kib(pid)}


# --- clients ------------------------------------------------------------------

IP_BIND_ADDRESS_NO_PORT = 24  # linux/in.h


async def connect(port, source="127.0.0.1"):
    # The local port is chosen at connect, not at bind (IP_BIND_ADDRESS_NO_PORT),
    # so ports in TIME_WAIT towards other ports can be used again: a bind to
    # port 0 holds a port of its own, and tens of thousands of connections in a
    # minute ran out of them.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((source, 0))
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port)), CLIENT_TIMEOUT)
        return await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise


async def read_all(reader):
    chunks = []
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


async def good(bridge, port, n):
    line = f"{bridge} client {n} {random.getrandbits(64):016x}\n".encode()
    try:
        reader, writer = await connect(port)
        writer.write(line)
        await writer.drain()
        writer.write_eof()
        reply = await asyncio.wait_for(read_all(reader), CLIENT_TIMEOUT)
        writer.close()
        if reply != line:
            fail(f"{bridge} good client {n}: sent {line!r}, got {reply!r}")
        else:
            results[f"{bridge} good"] += 1
    except (OSError, asyncio.TimeoutError) as e:
        fail(f"{bridge} good client {n}: {type(e).__name__} {e}")


async def exchange_or_refused(reader, writer, line):
    """Sends a line and half-closes, then reads to the end; b"" when the daemon closed or reset the connection instead."""
    try:
        writer.write(line)
        await writer.drain()
        writer.write_eof()
        return await asyncio.wait_for(read_all(reader), CLIENT_TIMEOUT)
    except (ConnectionError, OSError) as e:
        if isinstance(e, (ConnectionResetError, BrokenPipeError)) or getattr(e, "errno", None) == 107:  # ENOTCONN
            return b""
        raise
    finally:
        writer.close()


async def refused(bridge, port, n):
    try:
        reader, writer = await connect(port, source="127.0.0.2")
        reply = await exchange_or_refused(reader, writer, b"let me in\n")
        if reply:
            fail(f"{bridge} refused client {n} was answered {reply!r}")
        else:
            results[f"{bridge} refused"] += 1
    except (OSError, asyncio.TimeoutError) as e:
        fail(f"{bridge} refused client {n}: {type(e).__name__} {e}")


async def reset(bridge, port, n):
    try:
        reader, writer = await connect(port)
        writer.write(b"half a li")
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()
        results[f"{bridge} reset"] += 1
    except (OSError, asyncio.TimeoutError) as e:
        fail(f"{bridge} reset client {n}: {type(e).__name__} {e}")


async def idle(bridge, port, n):
    try:
        # Timed from before connect: the daemon's clock starts at accept, later.
        start = time.monotonic()
        reader, writer = await connect(port)
        if bridge == "forward":
            # The daemon must close it after IdleTimeout (plus a margin for a busy machine).
            data = await asyncio.wait_for(read_all(reader), IDLE_TIMEOUT + 10)
            held = time.monotonic() - start
            if data or held < IDLE_TIMEOUT:
                fail(f"forward idle client {n}: closed after {held:.1f} s with {data!r}")
            else:
                results["forward idle (closed by IdleTimeout)"] += 1
        else:
            # spawn has no IdleTimeout: the client gives up, and the daemon must reap the program.
            try:
                data = await asyncio.wait_for(reader.read(1), random.uniform(0.5, 2.0))
                fail(f"spawn idle client {n}: got {data!r}")
            except asyncio.TimeoutError:
                results["spawn idle (hung up by the client)"] += 1
        writer.close()
    except (OSError, asyncio.TimeoutError) as e:
        fail(f"{bridge} idle client {n}: {type(e).__name__} {e}")


async def drive(bridge, port, total):
    kinds = []
    for kind, share in MIX[bridge].items():
        kinds += [kind] * int(total * share)
    kinds += ["good"] * (total - len(kinds))
    random.shuffle(kinds)
    client = {"good": good, "refused": refused, "reset": reset, "idle": idle}
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(n, kind):
        async with limit:
            await client[kind](bridge, port, n)
            results[f"{bridge} connections"] += 1

    await asyncio.gather(*(one(n, kind) for n, kind in enumerate(kinds)))


async def bursts(stop):
    """Bursts beyond RateLimit at the limited bridge: refusals, then service again by itself."""
    while not stop.is_set():
        outcomes = Counter()

        async def attempt(n):
            try:
                reader, writer = await connect(LIMITED_PORT)
                line = f"burst {n}\n".encode()
                reply = await exchange_or_refused(reader, writer, line)
                if reply == line:
                    outcomes["served"] += 1
                elif reply == b"":
                    outcomes["refused"] += 1
                else:
                    fail(f"burst client {n}: got {reply!r}")
            except (OSError, asyncio.TimeoutError) as e:
                fail(f"burst client {n}: {type(e).__name__} {e}")

        await asyncio.gather(*(attempt(n) for n in range(BURST)))
        results["limited burst served"] += outcomes["served"]
        results["limited burst refused (RateLimit)"] += outcomes["refused"]
        results["limited bursts"] += 1
        if outcomes["refused"] > 0:
            results["limited bursts with refusals"] += 1
        # Service resumes by itself: a client within 3 s is served.
        deadline = time.monotonic() + 3
        while True:
            reader, writer = await connect(LIMITED_PORT)
            reply = await exchange_or_refused(reader, writer, b"again\n")
            if reply == b"again\n":
                results["limited recovered after a burst"] += 1
                break
            if time.monotonic() > deadline:
                fail("the limited bridge did not serve again within 3 s of a burst")
                break
            await asyncio.sleep(0.1)
        try:
            await asyncio.wait_for(stop.wait(), 3)
        except asyncio.TimeoutError:
            pass


# The echo backend runs in a process of its own: sharing this script's event
# loop with thousands of clients and the bursts, it was at times more than
# IdleTimeout late to answer, and the daemon rightly closed the connection.
ECHO_BACKEND = """
import asyncio, sys

async def echo(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.write_eof()
        await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    print("ready", flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


def start_backend():
    backend = subprocess.Popen([sys.executable, "-c", ECHO_BACKEND, str(BACKEND_PORT)], stdout=subprocess.PIPE)
    if backend.stdout.readline().strip() != b"ready":
        raise RuntimeError(f"the echo backend did not start (exit status {backend.poll()})")
    return backend


# --- the daemon ----------------------------------------------------------------

def start_daemon(work):
    config = os.path.join(work, "soak.json")
    with open(config, "w") as f:
        f.write(f"""{{
  "SocketBridge": {{ "ShutdownTimeout": "5s" }},
  "Bridges": {{
    "spawn": {{ "Listen": "tcp:127.0.0.1:{SPAWN_PORT}", "User": "{pwd.getpwuid(os.geteuid()).pw_name}", "Exec": ["cat"], "MaxConnections": 512,
               "AllowFrom": ["127.0.0.1/32"] }},
    "forward": {{ "Listen": "tcp:127.0.0.1:{FORWARD_PORT}", "Target": "tcp:127.0.0.1:{BACKEND_PORT}",
                 "MaxConnections": 1024, "AllowFrom": ["127.0.0.1/32"], "IdleTimeout": "{IDLE_TIMEOUT:g}s" }},
    "limited": {{ "Listen": "tcp:127.0.0.1:{LIMITED_PORT}", "Target": "tcp:127.0.0.1:{BACKEND_PORT}",
                 "MaxConnections": 1024, "RateLimit": "{RATE}/s" }}
  }}
}}
""")
    notify_path = os.path.join(work, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(30)
    log = open(os.path.join(work, "daemon.log"), "w")
    daemon = subprocess.Popen([BIN, "run", "-c", config], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                              env=dict(os.environ, NOTIFY_SOCKET=notify_path))
    while True:
        message = notify.recv(4096).decode()
        if "READY=1" in message.split("\n"):
            break
    notify.close()
    return daemon


async def wait_baseline(pid, baseline, timeout):
    deadline = time.monotonic() + timeout
    while True:
        now = snapshot(pid)
        if now["fds"] == baseline["fds"] and now["children"] == baseline["children"]:
            return now, True
        if time.monotonic() > deadline:
            return now, False
        await asyncio.sleep(0.2)


async def main():
    if not os.access(BIN, os.X_OK):
        print(f"soak: {BIN} is not built: run make build", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="sb-soak-")
    backend = start_backend()
    daemon = start_daemon(work)
    pid = daemon.pid
    try:
        ready = snapshot(pid)
        # Warm-up, so the baseline has what the runtime creates once at first use.
        for bridge, port in (("spawn", SPAWN_PORT), ("forward", FORWARD_PORT), ("limited", LIMITED_PORT)):
            for n in range(10):
                await good(bridge, port, n)
        for key in list(results):
            del results[key]
        await asyncio.sleep(1)
        baseline = snapshot(pid)
        print(f"soak: socketbridge pid {pid}; at readiness {ready['fds']} descriptors, {ready['children']} children, "
              f"RSS {ready['rss'] / 1024:.1f} MiB; baseline after warm-up {baseline['fds']} descriptors, "
              f"{baseline['children']} children, RSS {baseline['rss'] / 1024:.1f} MiB", flush=True)

        peak = dict(baseline)
        stop = asyncio.Event()

        async def sample():
            while not stop.is_set():
                now = snapshot(pid)
                for key in now:
                    peak[key] = max(peak[key], now[key])
                await asyncio.sleep(0.5)

        async def progress():
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 15)
                except asyncio.TimeoutError:
                    print(f"soak: {time.monotonic() - started:5.0f} s: spawn {results['spawn connections']}/{SPAWN_TOTAL}, "
                          f"forward {results['forward connections']}/{FORWARD_TOTAL}, "
                          f"bursts {results['limited bursts']}, failures {results['FAILED']}", flush=True)

        started = time.monotonic()
        watchers = [asyncio.create_task(sample()), asyncio.create_task(progress()), asyncio.create_task(bursts(stop))]
        await asyncio.gather(drive("spawn", SPAWN_PORT, SPAWN_TOTAL), drive("forward", FORWARD_PORT, FORWARD_TOTAL))
        stop.set()
        await asyncio.gather(*watchers)
        elapsed = time.monotonic() - started
        if results["limited bursts with refusals"] == 0:
            fail(f"no burst of {BURST} at the limited bridge (RateLimit {RATE}/s) saw a refusal")

        final, returned = await wait_baseline(pid, baseline, 30)
        if daemon.poll() is not None:
            fail(f"the daemon exited with {daemon.returncode} during the run")

        print(f"\nsoak: {elapsed:.0f} s of traffic, {SPAWN_TOTAL} spawn and {FORWARD_TOTAL} forward connections, concurrency {CONCURRENCY}")
        for key in sorted(k for k in results if k != "FAILED"):
            print(f"  {key:40} {results[key]:7}")
        print(f"  {'failed checks':40} {results['FAILED']:7}")
        print()
        print(f"  {'':14} {'baseline':>10} {'peak':>10} {'final':>10}")
        print(f"  {'descriptors':14} {baseline['fds']:>10} {peak['fds']:>10} {final['fds']:>10}")
        print(f"  {'children':14} {baseline['children']:>10} {peak['children']:>10} {final['children']:>10}")
        print(f"  {'RSS (MiB)':14} {baseline['rss'] / 1024:>10.1f} {peak['rss'] / 1024:>10.1f} {final['rss'] / 1024:>10.1f}")
        with open(os.path.join(work, "daemon.log"), errors="replace") as f:
            log = f.read().splitlines()
        print(f"\n  daemon log: {len(log)} lines, {sum(' WRN ' in l for l in log)} warnings, "
              f"{sum(' ERR ' in l or ' FTL ' in l for l in log)} errors")

        ok = True
        for kind in failures.values():
            for what in kind:
                print(f"FAILED: {what}")
        if results["FAILED"]:
            ok = False
        if not returned:
            ok = False
            print(f"FAILED: descriptors or children did not return to the baseline within 30 s: "
                  f"{final['fds']} descriptors (baseline {baseline['fds']}), {final['children']} children "
                  f"(baseline {baseline['children']})")
            for line in sorted(set(descriptors(pid))):
                print(f"  {line}")
        print("\nsoak: PASSED" if ok else "\nsoak: FAILED")
        return 0 if ok else 1
    finally:
        daemon.terminate()
        try:
            daemon.wait(15)
        except subprocess.TimeoutExpired:
            daemon.kill()
        backend.terminate()
        backend.wait(15)
        subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
