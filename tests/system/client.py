#!/usr/bin/env python3
"""Clients and helper programs for the system test, run inside the container.

The harness (run.py) copies this file into the container and runs it there
with nsenter, so that it reaches the container's loopback and socket files.
Every network wait has a timeout; results are printed as one JSON object a
line, for the harness to read.

  client.py echo ENDPOINT TEXT            one connection: send TEXT and a newline,
                                          half-close, print what came back
  client.py parallel ENDPOINT N           N connections at once, each as echo
  client.py hold ENDPOINT                 one connection kept open: every stdin line
                                          is sent and its echo line printed
  client.py loop ENDPOINT                 connections one after another until stdin
                                          closes; one line per connection, then a summary
  client.py lines ENDPOINT COUNT          connect, read COUNT lines, keep the connection
                                          open until stdin closes
  client.py alive PID...                  which of the processes still exist
  client.py handoff-echo                  a program for handoff bridges: accepts on fd 3,
                                          echoes one line per connection, exits after 5 s idle
  client.py serve HOST PORT               an echo server (a backend for forward bridges):
                                          every connection gets back what it sends

ENDPOINT is tcp:HOST:PORT or unix:/path.
"""

import json
import os
import select
import socket
import sys
import threading
import time

TIMEOUT = 15.0


def connect(endpoint):
    kind, _, rest = endpoint.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=TIMEOUT)
    elif kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(rest)
    else:
        raise ValueError("unknown endpoint " + endpoint)
    sock.settimeout(TIMEOUT)
    return sock


def local_port(sock):
    name = sock.getsockname()
    return name[1] if isinstance(name, tuple) else None


def read_all(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def read_line(sock, buffer):
    while b"\n" not in buffer[0]:
        data = sock.recv(65536)
        if not data:
            raise EOFError("connection closed before a full line (got %r)" % buffer[0])
        buffer[0] += data
    line, _, buffer[0] = buffer[0].partition(b"\n")
    return line.decode("utf-8", "replace")


def echo_once(endpoint, text):
    started = time.monotonic()
    result = {"ok": False, "sent": text}
    try:
        with connect(endpoint) as sock:
            result["local_port"] = local_port(sock)
            sock.sendall(text.encode() + b"\n")
            sock.shutdown(socket.SHUT_WR)
            reply = read_all(sock).decode("utf-8", "replace")
            result["reply"] = reply
            result["ok"] = reply == text + "\n"
            if not result["ok"]:
                result["error"] = "expected %r, got %r" % (text + "\n", reply)
    except Exception as ex:  # every failure is a result, not a crash
        result["error"] = "%s: %s" % (type(ex).__name__, ex)
    result["ms"] = round((time.monotonic() - started) * 1000)
    return result


def cmd_echo(endpoint, text):
    print(json.dumps(echo_once(endpoint, text)), flush=True)


def cmd_parallel(endpoint, count):
    results = [None] * count
    gate = threading.Barrier(count)

    def one(i):
        gate.wait()
        results[i] = echo_once(endpoint, "parallel-%d" % i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print(json.dumps(r), flush=True)


def cmd_hold(endpoint):
    buffer = [b""]
    try:
        sock = connect(endpoint)
    except Exception as ex:
        print(json.dumps({"ok": False, "error": "connect: %s" % ex}), flush=True)
        return
    print(json.dumps({"ok": True, "connected": True, "local_port": local_port(sock)}), flush=True)
    for line in sys.stdin:
        text = line.rstrip("\n")
        try:
            sock.sendall(text.encode() + b"\n")
            reply = read_line(sock, buffer)
            print(json.dumps({"ok": reply == text, "sent": text, "reply": reply}), flush=True)
        except Exception as ex:
            print(json.dumps({"ok": False, "sent": text, "error": "%s: %s" % (type(ex).__name__, ex)}), flush=True)
    sock.close()


def cmd_loop(endpoint):
    served = failed = 0
    n = 0
    while True:
        readable, _, _ = select.select([sys.stdin], [], [], 0)
        if readable and not sys.stdin.readline():
            break
        n += 1
        r = echo_once(endpoint, "loop-%d" % n)
        r["n"] = n
        r["t"] = time.time()
        if r["ok"]:
            served += 1
        else:
            failed += 1
        print(json.dumps(r), flush=True)
    print(json.dumps({"summary": True, "served": served, "failed": failed}), flush=True)


def cmd_lines(endpoint, count):
    buffer = [b""]
    try:
        sock = connect(endpoint)
        for _ in range(count):
            print(json.dumps({"ok": True, "line": read_line(sock, buffer)}), flush=True)
    except Exception as ex:
        print(json.dumps({"ok": False, "error": "%s: %s" % (type(ex).__name__, ex)}), flush=True)
        return
    sys.stdin.read()
    sock.close()


def cmd_alive(pids):
    alive = [p for p in pids if os.path.exists("/proc/%d" % p)]
    print(json.dumps({"alive": alive}), flush=True)


def cmd_handoff_echo():
    # upstart-socket-bridge's contract: the listening socket is fd 3.
    listener = socket.socket(fileno=3)
    listener.settimeout(5.0)
    print("handoff-echo %d started, UPSTART_JOB=%s" % (os.getpid(), os.environ.get("UPSTART_JOB")),
          file=sys.stderr, flush=True)
    while True:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            return
        with conn:
            conn.settimeout(TIMEOUT)
            buffer = [b""]
            try:
                line = read_line(conn, buffer)
                conn.sendall(line.encode() + b"\n")
            except Exception as ex:
                print("handoff-echo: %s" % ex, file=sys.stderr, flush=True)


def cmd_serve(host, port):
    listener = socket.create_server((host, port), backlog=128)

    def echo(conn):
        with conn:
            conn.settimeout(TIMEOUT)
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data)
            except OSError as ex:
                print("serve: %s" % ex, file=sys.stderr, flush=True)

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    command, args = argv[1], argv[2:]
    if command == "echo":
        cmd_echo(args[0], args[1])
    elif command == "parallel":
        cmd_parallel(args[0], int(args[1]))
    elif command == "hold":
        cmd_hold(args[0])
    elif command == "loop":
        cmd_loop(args[0])
    elif command == "lines":
        cmd_lines(args[0], int(args[1]))
    elif command == "alive":
        cmd_alive([int(a) for a in args])
    elif command == "serve":
        cmd_serve(args[0], int(args[1]))
    elif command == "handoff-echo":
        cmd_handoff_echo()
    else:
        print("unknown command " + command, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
