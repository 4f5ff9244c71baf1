#!/usr/bin/env python3
"""Scrapes a metrics endpoint once a second, as Prometheus does, until SIGTERM.

    bench/scrape.py URL OUT PID

One GET a second, on the second (a late scrape does not shift the ones
after it), on a kept-alive HTTP/1.1 connection (opened again if the
daemon closed it). At SIGTERM, 500 scrapes back to back, timing the CPU
the daemon PID spent on them (every thread's, from
/proc/PID/task/*/schedstat); then writes to OUT one line, "SCRAPES FAILED
MEDIAN_MS LAST_BYTES CPU_US_PER_SCRAPE", and the body of the last good
scrape to OUT.last. Used by bench/metrics.sh.
"""
import glob
import http.client
import signal
import statistics
import sys
import time
import urllib.parse

url = urllib.parse.urlsplit(sys.argv[1])
out = sys.argv[2]
pid = sys.argv[3]
stop = False


def cpu_ns():
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended meanwhile
    return total


def on_term(_signum, _frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)

conn = None
times = []
failed = 0
last = b""
next_at = time.monotonic()
while not stop:
    started = time.monotonic()
    try:
        if conn is None:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("GET", url.path, headers={"Accept": "text/plain"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise OSError(f"HTTP {response.status}")
        times.append((time.monotonic() - started) * 1000)
        last = body
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = None
    except (OSError, http.client.HTTPException) as e:
        failed += 1
        print(f"scrape.py: {e}", file=sys.stderr)
        if conn is not None:
            conn.close()
        conn = None
    next_at += 1.0
    pause = next_at - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    else:
        next_at = time.monotonic()

# What one scrape costs the daemon, with less noise than a rate: many in a row.
burst = 500
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
before = cpu_ns()
for _ in range(burst):
    conn.request("GET", url.path, headers={"Accept": "text/plain"})
    conn.getresponse().read()
cpu_us = (cpu_ns() - before) / 1000 / burst
conn.close()

with open(out + ".last", "wb") as f:
    f.write(last)
with open(out, "w") as f:
    median = statistics.median(times) if times else 0
    f.write(f"{len(times) + failed} {failed} {median:.3f} {len(last)} {cpu_us:.0f}\n")
