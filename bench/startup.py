#!/usr/bin/env python3
"""Start-up time and idle memory of one launcher, for bench/spawn-rate.sh.

    startup.py notify -- COMMAND...     exec to READY=1 on NOTIFY_SOCKET (sd_notify(3))
    startup.py port PORT -- COMMAND...  exec to the first accepted connection on 127.0.0.1:PORT

Starts COMMAND, times it from just before the exec to the event, waits a
second more for it to settle, reads its memory from /proc, stops it with
SIGTERM and prints one line: "ms rss_kib pss_kib".
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def memory(pid):
    rss = pss = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    port = None
    if mode == "port":
        port, args = int(args[0]), args[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    with tempfile.TemporaryDirectory() as work:
        notify = None
        if mode == "notify":
            path = os.path.join(work, "notify")
            notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            notify.bind(path)
            notify.settimeout(10)
            env["NOTIFY_SOCKET"] = path
        log = open(os.path.join(work, "log"), "w+b")
        start = time.monotonic()
        child = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def gone(what):
            log.seek(0)
            output = log.read().decode(errors="replace").strip()
            return SystemExit(f"startup.py: {args[0]} {what} (exit status {child.poll()}): {output[-2000:]}")

        try:
            if notify is not None:
                try:
                    while "READY=1" not in notify.recv(4096).decode().split("\n"):
                        pass
                except TimeoutError:
                    raise gone("sent no READY=1") from None
            else:
                deadline = start + 10
                while True:
                    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    try:
                        probe.connect(("127.0.0.1", port))
                        break
                    except ConnectionRefusedError:
                        if time.monotonic() > deadline or child.poll() is not None:
                            raise gone(f"never accepted on port {port}")
                        time.sleep(0.0005)
                    finally:
                        probe.close()
            elapsed = (time.monotonic() - start) * 1000
            time.sleep(1)
            if child.poll() is not None:
                raise gone("exited after start-up")
            rss, pss = memory(child.pid)
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    print(f"{elapsed:.1f} {rss} {pss}")


if __name__ == "__main__":
    main()
