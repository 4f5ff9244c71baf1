#!/usr/bin/env python3
"""make system-test: the Debian package under a real systemd, end to end.

Boots Debian 12 with systemd as PID 1 in systemd-nspawn (its own network
namespace, so ports never collide with anything on this machine), installs
the package with dpkg -i, and runs the named scenarios of issue 9, one
PASS or FAIL line each, then a summary. Exit 0 when every scenario passed,
1 when one failed, 2 when the container could not be set up; 0 with a SKIP
line when this machine cannot run systemd-nspawn at all (not root, no
namespaces).

  tests/system/run.py --deb out/socketbridge_0.1.0_amd64.deb \
      [--upgrade-deb out/socketbridge_0.1.0+upgrade1_amd64.deb] [SCENARIO...]

The upgrade scenarios (issue 17) install the second package, the same
program at a higher version, over the first.

The root file system comes from debootstrap (bookworm, minbase, with
systemd, dbus and python3), built once and cached under
$SYSTEM_TEST_CACHE (default /var/cache/socketbridge-system-test); each run
boots an overlay of it, so runs never see each other's changes.
Every wait has a deadline; nothing sleeps a fixed time.
"""

import argparse
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = "bookworm"
PACKAGES = "systemd,systemd-sysv,dbus,python3"
CACHE = os.environ.get("SYSTEM_TEST_CACHE", "/var/cache/socketbridge-system-test")
MIRROR = os.environ.get("SYSTEM_TEST_MIRROR", "http://deb.debian.org/debian")
# Where client.py lives inside the container (readable by nobody: handoff programs run it).
CLIENT_DIR = "/usr/local/lib/socketbridge-system-test"
CLIENT = CLIENT_DIR + "/client.py"
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BRIDGES_D = "/etc/socketbridge/bridges.d"
BACKEND_UNIT = "socketbridge-test-backend.service"


class Failure(Exception):
    """A scenario's check did not hold; the message says which and why."""


class SetupError(Exception):
    """The container could not be built, booted or given the package."""


def log(message):
    print(message, flush=True)


def wait_for(what, predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a true value, or raises Failure after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Failure as ex:
            last = ex
        if time.monotonic() >= deadline:
            raise Failure("%s: not within %g s%s" % (what, timeout, ": %s" % last if last else ""))
        time.sleep(interval)


def run_host(args, timeout, input_text=None):
    """Runs a command on this machine; its whole process group is killed at the deadline."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(input_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise Failure("%s: still running after %g s (stdout %r, stderr %r)"
                      % (" ".join(args), timeout, out[-500:], err[-500:]))
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


# ---------------------------------------------------------------------------
# The container


class Container:
    """Debian booted with systemd-nspawn on an overlay of the cached root."""

    def __init__(self, base_root, work_dir):
        self.base_root = base_root
        self.work_dir = work_dir
        self.root = os.path.join(work_dir, "root")
        self.machine = "socketbridge-st-%d" % os.getpid()
        self.console_log = os.path.join(work_dir, "console.log")
        self.nspawn = None
        self.pid1 = None
        self.mounted = False

    # -- life cycle

    def boot(self, timeout=90):
        for d in ("upper", "work", "root"):
            os.makedirs(os.path.join(self.work_dir, d))
        options = "lowerdir=%s,upperdir=%s/upper,workdir=%s/work" % (self.base_root, self.work_dir, self.work_dir)
        mount = run_host(["mount", "-t", "overlay", "overlay", "-o", options, self.root], 30)
        if mount.returncode != 0:
            # No overlayfs here: a private copy does the same, a few seconds slower.
            log("  (overlayfs unavailable: %s; copying the root instead)" % mount.stderr.strip())
            os.rmdir(self.root)
            copy = run_host(["cp", "-a", "--reflink=auto", self.base_root, self.root], 300)
            if copy.returncode != 0:
                raise SetupError("cannot copy %s: %s" % (self.base_root, copy.stderr.strip()))
        else:
            self.mounted = True

        console = open(self.console_log, "w")
        self.nspawn = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "-D", self.root, "-b", "--machine=" + self.machine,
             "--register=no", "--keep-unit", "--private-network", "--link-journal=no",
             "--console=read-only"],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT, start_new_session=True)
        console.close()

        deadline = time.monotonic() + timeout
        while self.pid1 is None:
            if self.nspawn.poll() is not None:
                raise SetupError("systemd-nspawn exited with %d while booting:\n%s"
                                 % (self.nspawn.returncode, self.console_tail()))
            self.pid1 = self._find_pid1()
            if self.pid1 is None:
                if time.monotonic() > deadline:
                    raise SetupError("no systemd in the container after %d s:\n%s" % (timeout, self.console_tail()))
                time.sleep(0.05)

        # Until PID 1 has its private socket, systemctl cannot connect: retry.
        state = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SetupError("the container's systemd is not up after %d s (last: %s):\n%s"
                                 % (timeout, state, self.console_tail()))
            try:
                r = self.run(["systemctl", "is-system-running", "--wait"], timeout=left)
            except Failure:
                continue
            state = (r.stdout + r.stderr).strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.1)
        # Clients' own (ephemeral) ports from 50000 up: by default they come from
        # 32768-60999, where a client's port could be one a bridge is about to
        # listen on (47xxx, the shipped socket's 45678), and the bind would fail.
        # net.* sysctls belong to the network namespace: set it in the container's.
        r = run_host(["nsenter", "-t", str(self.pid1), "-n", "sh", "-c",
                      "echo '50000 60999' > /proc/sys/net/ipv4/ip_local_port_range"], 30)
        if r.returncode != 0:
            raise SetupError("cannot set the container's ip_local_port_range: %s" % r.stderr.strip())
        if state == "degraded":
            failed = self.run(["systemctl", "--failed", "--no-legend", "--plain"], timeout=10).stdout.strip()
            log("  (the container booted degraded; failed units: %s)" % failed.replace("\n", "; "))

    def _find_pid1(self):
        """The container's systemd: a descendant of nspawn that is PID 1 in its own PID namespace."""
        nspawn_pid = str(self.nspawn.pid)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/status" % entry) as f:
                    status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
            except OSError:
                continue
            nspid = status.get("NSpid", "").split()
            if len(nspid) >= 2 and nspid[-1] == "1" and self._descends_from(entry, nspawn_pid):
                return int(entry)
        return None

    @staticmethod
    def _descends_from(pid, ancestor):
        for _ in range(10):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    pid = f.read().rsplit(")", 1)[1].split()[1]
            except OSError:
                return False
            if pid == ancestor:
                return True
            if pid in ("0", "1"):
                return False
        return False

    def console_tail(self, lines=30):
        try:
            with open(self.console_log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def shutdown(self, timeout=30):
        if self.nspawn is not None and self.nspawn.poll() is None:
            # nspawn turns SIGTERM into an orderly poweroff of the container.
            self.nspawn.send_signal(signal.SIGTERM)
            try:
                self.nspawn.wait(timeout)
            except subprocess.TimeoutExpired:
                log("  (the container did not power off within %d s: killed)" % timeout)
                os.killpg(self.nspawn.pid, signal.SIGKILL)
                self.nspawn.wait(10)
        if self.mounted:
            if run_host(["umount", self.root], 30).returncode != 0:
                run_host(["umount", "-l", self.root], 30)
            self.mounted = False
        # nspawn leaves its (empty) mount propagation directory behind.
        try:
            os.rmdir("/run/systemd/nspawn/propagate/" + self.machine)
        except OSError:
            pass

    # -- inside

    def command(self, args):
        """args run inside the container: all its namespaces, a clean environment."""
        return ["nsenter", "-t", str(self.pid1), "-a", "--root", "--wd",
                "env", "-i", "PATH=" + CONTAINER_PATH, "LANG=C.UTF-8", "SYSTEMD_COLORS=0",
                "SYSTEMD_PAGER=", "SYSTEMD_LESS=", "TERM=dumb"] + list(args)

    def run(self, args, timeout=30, input_text=None):
        return run_host(self.command(args), timeout, input_text)

    def check(self, args, timeout=30, input_text=None):
        """run(), and a Failure naming the command when it exits nonzero."""
        r = self.run(args, timeout, input_text)
        if r.returncode != 0:
            raise Failure("`%s` exited with %d: %s" % (" ".join(args), r.returncode,
                                                         (r.stderr.strip() or r.stdout.strip())[-800:]))
        return r

    def popen(self, args):
        return subprocess.Popen(self.command(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, bufsize=1, start_new_session=True)

    def path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def write(self, path, text, mode=0o644):
        """Writes a file in the container's file system (from here, through the overlay)."""
        host_path = self.path(path)
        os.makedirs(os.path.dirname(host_path), exist_ok=True)
        with open(host_path, "w") as f:
            f.write(text)
        os.chmod(host_path, mode)

    def remove(self, path):
        try:
            os.remove(self.path(path))
        except FileNotFoundError:
            pass

    def exists(self, path):
        """Whether path exists inside the container (where /run and /tmp are its own mounts)."""
        return self.run(["test", "-e", path]).returncode == 0 or self.run(["test", "-L", path]).returncode == 0

    # -- systemd and journal helpers

    def show(self, unit, *properties):
        r = self.check(["systemctl", "show", unit, "-p", ",".join(properties)])
        values = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
        return {p: values.get(p, "") for p in properties}

    def journal(self, since, *matches):
        """Entries since a time.time(), as dicts, for journalctl MATCHES (e.g. -u socketbridge BRIDGE=x).

        --since, not --after-cursor: journalctl 252 with --after-cursor and a
        field match skips matching entries (seen here: one of two CHILD_PID= entries).
        The container's clock is this machine's."""
        args = ["journalctl", "--no-pager", "-o", "json"]
        if since:
            args += ["--since", "@%.6f" % since]
        r = self.check(args + list(matches))
        entries = []
        for line in r.stdout.splitlines():
            line = line.strip()
            if line:
                entries.append({k: field_text(v) for k, v in json.loads(line).items()})
        return entries

    def journal_text(self, since, *matches):
        return "\n".join(e.get("MESSAGE", "") for e in self.journal(since, *matches))


def field_text(value):
    """journalctl -o json gives a field as a string, an array of bytes (not UTF-8), or a list of either."""
    if isinstance(value, list) and value and all(isinstance(b, int) for b in value):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, list):
        return [field_text(v) for v in value]
    return value


# ---------------------------------------------------------------------------
# The cached root


def ensure_root():
    """The debootstrap root, built once into the cache (atomically: a half-built one is never used)."""
    name = "%s-minbase-%s" % (SUITE, PACKAGES.replace(",", "-"))
    root = os.path.join(CACHE, name)
    stamp = root + ".complete"
    if os.path.isdir(root) and os.path.exists(stamp):
        return root
    os.makedirs(CACHE, exist_ok=True)
    # One builder at a time; a run that waited finds the root built.
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isdir(root) and os.path.exists(stamp):
            return root
        return build_root(root, stamp)


def build_root(root, stamp):
    building = root + ".building"
    shutil.rmtree(building, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    log("building the container root with debootstrap (once; cached in %s)" % root)
    started = time.monotonic()
    r = run_host(["debootstrap", "--variant=minbase", "--include=" + PACKAGES, SUITE, building, MIRROR], 900)
    if r.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise SetupError("debootstrap failed (%d):\n%s" % (r.returncode, (r.stdout + r.stderr)[-3000:]))
    # A fresh machine id per boot (nspawn makes a transient one when the file is empty).
    with open(os.path.join(building, "etc/machine-id"), "w"):
        pass
    os.rename(building, root)
    with open(stamp, "w") as f:
        f.write("debootstrap --variant=minbase --include=%s %s %s\n" % (PACKAGES, SUITE, MIRROR))
    log("  built in %.0f s" % (time.monotonic() - started))
    return root


def cannot_run_nspawn():
    """Why this machine cannot run systemd-nspawn at all, or None."""
    if os.geteuid() != 0:
        return "not root (systemd-nspawn needs root)"
    if not os.path.isdir("/sys/fs/cgroup"):
        return "no /sys/fs/cgroup"
    r = run_host(["unshare", "--mount", "--pid", "--uts", "--ipc", "--net", "--fork", "true"], 30)
    if r.returncode != 0:
        return "cannot create namespaces (%s)" % r.stderr.strip()
    return None


# ---------------------------------------------------------------------------
# Scenarios


class Scenarios:
    def __init__(self, c, packages=None):
        self.c = c
        self.since = None
        # {"base": Package, "upgrade": Package or None}: what install() copied into the container.
        self.packages = packages or {}

    # -- shared steps

    def reset(self):
        """Every scenario starts from the package as installed: nothing running, no bridge."""
        c = self.c
        c.run(["systemctl", "disable", "--now", "socketbridge.socket", "socketbridge.service"], timeout=60)
        c.run(["systemctl", "stop", BACKEND_UNIT], timeout=60)
        c.run(["systemctl", "reset-failed", "socketbridge.socket", "socketbridge.service", BACKEND_UNIT])
        for name in os.listdir(c.path(BRIDGES_D)):
            if name.endswith(".json"):
                c.remove(os.path.join(BRIDGES_D, name))
        self.since = time.time()

    def bridges(self, file_name, bridges):
        self.c.write(os.path.join(BRIDGES_D, file_name), json.dumps({"Bridges": bridges}, indent=2) + "\n")

    def client(self, *args, timeout=30):
        r = self.c.check(["python3", CLIENT] + list(args), timeout=timeout)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def echo(self, endpoint, text):
        """One connection; Failure unless the text comes back."""
        result = self.client("echo", endpoint, text)[0]
        if not result["ok"]:
            raise Failure("%s: %s" % (endpoint, result.get("error")))
        return result

    def served_soon(self, endpoint, text, timeout=15):
        """Like echo, but waits for the endpoint to start serving (after a reload)."""
        return wait_for("%s serves" % endpoint, lambda: self.echo(endpoint, text), timeout, interval=0.2)

    def backend(self, port):
        """An echo server on 127.0.0.1:PORT in a unit of its own, stopped by reset()."""
        self.c.check(["systemd-run", "--unit=" + BACKEND_UNIT, "--quiet", "--", "python3", CLIENT,
                      "serve", "127.0.0.1", str(port)])
        self.served_soon("tcp:127.0.0.1:%d" % port, "the backend")

    def state(self, unit="socketbridge.service"):
        s = self.c.show(unit, "ActiveState", "SubState")
        return "%s (%s)" % (s["ActiveState"], s["SubState"])

    def expect_state(self, expected, unit="socketbridge.service"):
        state = self.state(unit)
        if state != expected:
            raise Failure("%s is %s, not %s" % (unit, state, expected))

    def start_daemon(self):
        self.c.check(["systemctl", "start", "socketbridge"], timeout=60)
        self.expect_state("active (running)")

    # -- 1

    def s1_enable_now(self):
        """systemctl enable --now reaches active (running) through READY=1; status shows STATUS="""
        c = self.c
        self.bridges("10-echo.json", {"echo": {"Listen": "tcp:127.0.0.1:47001", "User": "root", "Exec": ["cat"]}})
        c.check(["systemctl", "enable", "--now", "socketbridge"], timeout=60)
        s = c.show("socketbridge", "Type", "ActiveState", "SubState", "StatusText", "UnitFileState", "MainPID")
        if s["Type"] != "notify":
            raise Failure("Type=%s, not notify" % s["Type"])
        # Type=notify: systemd reports active only once the daemon sent READY=1.
        if (s["ActiveState"], s["SubState"]) != ("active", "running"):
            raise Failure("after enable --now: %s (%s)" % (s["ActiveState"], s["SubState"]))
        if s["UnitFileState"] != "enabled":
            raise Failure("UnitFileState=%s" % s["UnitFileState"])
        if not s["StatusText"]:
            raise Failure("no STATUS= text")
        status = c.run(["systemctl", "status", "--no-pager", "socketbridge"]).stdout
        for want in ("Active: active (running)", 'Status: "%s"' % s["StatusText"]):
            if want not in status:
                raise Failure("systemctl status lacks %r:\n%s" % (want, status))
        self.echo("tcp:127.0.0.1:47001", "hello through the installed package")
        return 'STATUS="%s"' % s["StatusText"]

    # -- 2

    def s2_socket_activation(self):
        """socketbridge.socket started, service not running; the first connections start it, none lost"""
        c = self.c
        # The shipped example socket: 127.0.0.1:45678, FileDescriptorName=echo.
        self.bridges("10-echo.json", {"echo": {"Listen": "systemd:echo", "Exec": ["cat"],
                                               "User": "nobody", "Group": "nogroup"}})
        c.check(["systemctl", "start", "socketbridge.socket"])
        self.expect_state("active (listening)", "socketbridge.socket")
        self.expect_state("inactive (dead)")
        # Five clients at once: the first starts the daemon, the others queue behind it.
        results = self.client("parallel", "tcp:127.0.0.1:45678", "5", timeout=60)
        lost = [r for r in results if not r["ok"]]
        if lost:
            raise Failure("%d of %d first connections not served: %s" % (len(lost), len(results), lost[0].get("error")))
        self.expect_state("active (running)")
        s = c.show("socketbridge", "TriggeredBy")
        if "socketbridge.socket" not in s["TriggeredBy"]:
            raise Failure("TriggeredBy=%s" % s["TriggeredBy"])
        self.echo("tcp:127.0.0.1:45678", "and once it runs")
        return "%d first connections served, slowest %d ms" % (len(results), max(r["ms"] for r in results))

    # -- 3

    def s3_journal_fields(self):
        """journalctl -u socketbridge BRIDGE=NAME -o json: the connection's entry and fields, a program's stderr"""
        c = self.c
        program = ('echo "stderr line of $SOCKETBRIDGE_CONNECTION_ID from pid $$" >&2; '
                   'IFS= read -r line; printf "%s\\n" "$line"')
        self.bridges("10-journal.json", {
            "jecho": {"Listen": "tcp:127.0.0.1:47030", "User": "root", "Exec": ["/bin/sh", "-c", program]},
            "jfwd": {"Listen": "tcp:127.0.0.1:47031", "Target": "tcp:127.0.0.1:47030"},
        })
        self.start_daemon()
        spawned = self.echo("tcp:127.0.0.1:47030", "journal spawn")
        forwarded = self.echo("tcp:127.0.0.1:47031", "journal forward")

        def connection_entry(bridge, port):
            for e in c.journal(self.since, "-u", "socketbridge", "BRIDGE=" + bridge):
                if e.get("REMOTE_PORT") == str(port) and "DURATION_MS" in e:
                    return e
            return None

        def require(entry, what, fields):
            missing = [f for f in fields if f not in entry]
            if missing:
                raise Failure("%s lacks %s: %s" % (what, ", ".join(missing), entry.get("MESSAGE")))
            if entry.get("SYSLOG_IDENTIFIER") != "socketbridge":
                raise Failure("%s: SYSLOG_IDENTIFIER=%s" % (what, entry.get("SYSLOG_IDENTIFIER")))

        entry = wait_for("an entry for the jecho connection from port %d" % spawned["local_port"],
                         lambda: connection_entry("jecho", spawned["local_port"]), 10)
        require(entry, "the jecho connection entry",
                ["CONNECTION_ID", "REMOTE_ADDR", "REMOTE_PORT", "CHILD_PID", "EXIT_STATUS", "DURATION_MS", "PRIORITY"])
        if entry["PRIORITY"] != "6" or entry["REMOTE_ADDR"] != "127.0.0.1" or entry["EXIT_STATUS"] != "0":
            raise Failure("jecho entry: PRIORITY=%s REMOTE_ADDR=%s EXIT_STATUS=%s"
                          % (entry["PRIORITY"], entry["REMOTE_ADDR"], entry["EXIT_STATUS"]))

        def stderr_entry():
            for e in c.journal(self.since, "-u", "socketbridge", "BRIDGE=jecho", "CHILD_PID=" + entry["CHILD_PID"]):
                if "stderr line of" in e.get("MESSAGE", ""):
                    return e
            return None

        line = wait_for("the program's stderr line with CHILD_PID=%s" % entry["CHILD_PID"], stderr_entry, 10)
        want = "stderr line of %s from pid %s" % (entry["CONNECTION_ID"], entry["CHILD_PID"])
        if want not in line["MESSAGE"] or line.get("CONNECTION_ID") != entry["CONNECTION_ID"]:
            raise Failure("stderr entry %r (CONNECTION_ID=%s), expected %r"
                          % (line["MESSAGE"], line.get("CONNECTION_ID"), want))
        require(line, "the stderr entry", ["REMOTE_ADDR", "REMOTE_PORT"])

        fwd = wait_for("an entry for the jfwd connection", lambda: connection_entry("jfwd", forwarded["local_port"]), 10)
        require(fwd, "the jfwd connection entry", ["CONNECTION_ID", "REMOTE_ADDR", "BYTES_IN", "BYTES_OUT", "DURATION_MS"])
        size = str(len("journal forward\n"))
        if fwd["BYTES_IN"] != size or fwd["BYTES_OUT"] != size:
            raise Failure("jfwd entry: BYTES_IN=%s BYTES_OUT=%s, expected %s each" % (fwd["BYTES_IN"], fwd["BYTES_OUT"], size))
        return "CONNECTION_ID=%s CHILD_PID=%s" % (entry["CONNECTION_ID"], entry["CHILD_PID"])

    # -- 4

    def s4_reload(self):
        """systemctl reload: a new bridge serves, an open connection keeps flowing, never failed"""
        c = self.c
        self.bridges("10-steady.json", {"steady": {"Listen": "tcp:127.0.0.1:47041", "User": "root", "Exec": ["cat"]}})
        self.start_daemon()
        pid = c.show("socketbridge", "MainPID")["MainPID"]
        watcher = StateWatcher(c)
        held = c.popen(["python3", CLIENT, "hold", "tcp:127.0.0.1:47041"])
        try:
            talk(held, None, "connected")
            talk(held, "before the reload")
            self.bridges("20-fresh.json", {"fresh": {"Listen": "tcp:127.0.0.1:47042", "User": "root", "Exec": ["cat"]}})
            c.check(["systemctl", "reload", "socketbridge"], timeout=60)
            self.served_soon("tcp:127.0.0.1:47042", "the new bridge")
            talk(held, "after the reload")
            self.echo("tcp:127.0.0.1:47041", "a new connection to the unchanged bridge")
            # A broken file: the reload is refused (ExecReload waits for the
            # outcome, so systemctl reload fails) and the running configuration stays.
            c.write(os.path.join(BRIDGES_D, "30-broken.json"), '{"Bridges": {"fresh": {"Lisen": "x"}}}\n')
            refused = c.run(["systemctl", "reload", "socketbridge"], timeout=60)
            c.remove(os.path.join(BRIDGES_D, "30-broken.json"))
            if refused.returncode == 0:
                raise Failure("systemctl reload succeeded with a broken configuration file")
            self.echo("tcp:127.0.0.1:47042", "the new bridge after a refused reload")
            talk(held, "after the refused reload")
        finally:
            close(held)
            seen = watcher.stop()
        if "failed" in seen:
            raise Failure("the unit was seen failed (states: %s)" % ", ".join(sorted(seen)))
        status = c.run(["systemctl", "status", "--no-pager", "socketbridge"]).stdout
        if "Active: active (running)" not in status:
            raise Failure("systemctl status after the reloads:\n" + status)
        if c.show("socketbridge", "MainPID")["MainPID"] != pid:
            raise Failure("MainPID changed from %s: restarted, not reloaded" % pid)
        return "states seen: %s" % ", ".join(sorted(seen))

    # -- 5

    def s5_restart_socket_activated(self):
        """systemctl restart while socket-activated: every client of a connect loop is served"""
        c = self.c
        # A forward bridge to a backend outside the unit: at a stop the daemon
        # lets forwarded connections finish, so every connection must be served,
        # the ones it had accepted and the ones queued on systemd's socket
        # while no daemon ran. (A spawn bridge's programs get SIGTERM at a
        # stop, as SPEC 7 says, which ends the connections they serve.)
        self.backend(47050)
        self.bridges("10-echo.json", {"echo": {"Listen": "systemd:echo", "Target": "tcp:127.0.0.1:47050"}})
        c.check(["systemctl", "start", "socketbridge.socket"])
        self.echo("tcp:127.0.0.1:45678", "start it")
        self.expect_state("active (running)")
        loop = c.popen(["python3", CLIENT, "loop", "tcp:127.0.0.1:45678"])
        results = []
        restarts = []
        try:
            collect(loop, results, 5)
            for _ in range(2):
                pid = c.show("socketbridge", "MainPID")["MainPID"]
                started = time.time()
                c.check(["systemctl", "restart", "socketbridge"], timeout=60)
                restarts.append((started, time.time()))
                if c.show("socketbridge", "MainPID")["MainPID"] == pid:
                    raise Failure("MainPID unchanged after the restart")
                collect(loop, results, len(results) + 5)
        finally:
            summary = close(loop)
        results += [r for r in summary if "n" in r]
        failed = [r for r in results if not r["ok"]]
        if failed:
            raise Failure("%d of %d connections not served, first: #%d at %s (restarts %s): %s"
                          % (len(failed), len(results), failed[0]["n"], failed[0]["t"], restarts, failed[0].get("error")))
        # The socket unit shows "running" while its service runs, "listening" otherwise.
        if not self.state("socketbridge.socket").startswith("active "):
            raise Failure("socketbridge.socket is %s after the restarts" % self.state("socketbridge.socket"))
        during = sum(1 for r in results for (a, b) in restarts if a <= r["t"] <= b)
        slowest = max(r["ms"] for r in results)
        return "%d connections served, %d of them during the 2 restarts, slowest %d ms" % (len(results), during, slowest)

    # -- 6

    def s6_configuration_error(self):
        """a configuration error: the unit fails once with exit 78, no restart loop; the journal names file, bridge, key"""
        c = self.c
        path = os.path.join(BRIDGES_D, "30-broken.json")
        self.bridges("30-broken.json", {"broken": {"Listen": "tcp:127.0.0.1:47061", "User": "root", "Exec": ["cat"],
                                                   "MaxConnections": "many"}})
        r = c.run(["systemctl", "start", "socketbridge"], timeout=60)
        if r.returncode == 0:
            raise Failure("systemctl start succeeded on a broken configuration")
        # Restart=on-failure would restart after RestartSec (100 ms): watch for a while.
        deadline = time.monotonic() + 3
        while True:
            s = c.show("socketbridge", "ActiveState", "Result", "ExecMainStatus", "NRestarts")
            if (s["ActiveState"], s["Result"], s["ExecMainStatus"], s["NRestarts"]) != ("failed", "exit-code", "78", "0"):
                raise Failure("ActiveState=%(ActiveState)s Result=%(Result)s ExecMainStatus=%(ExecMainStatus)s "
                              "NRestarts=%(NRestarts)s, expected failed, exit-code, 78, 0" % s)
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        entries = c.journal(self.since, "-u", "socketbridge")
        # systemd's "Starting ..." entries carry this MESSAGE_ID (catalog: unit starting).
        starts = [e for e in entries if e.get("MESSAGE_ID") == "7d4958e842da4a758f6c1cdc7b36dcc5"]
        if len(starts) != 1:
            raise Failure("%d start attempts in the journal, expected 1" % len(starts))
        text = "\n".join(e.get("MESSAGE", "") for e in entries)
        named = [m for m in text.splitlines() if path in m and "Bridges:broken:MaxConnections" in m]
        if not named:
            raise Failure("no journal entry names %s and Bridges:broken:MaxConnections:\n%s" % (path, text))
        return named[0].strip()

    # -- 7

    def s7_stop(self):
        """systemctl stop: launched programs are gone, FIFOs removed, the fd store emptied (a socket file left is stale)"""
        c = self.c
        sock, fifo = "/run/socketbridge-test-held.sock", "/run/socketbridge-test.fifo"
        # Each program leaves a background process in its group, as programs do.
        program = "sleep 600 & echo $$ $!; wait"
        self.bridges("10-stop.json", {
            "held": {"Listen": "unix:" + sock, "User": "root", "Exec": ["/bin/sh", "-c", program]},
            "heldtcp": {"Listen": "tcp:127.0.0.1:47071", "User": "root", "Exec": ["/bin/sh", "-c", program]},
            "fifo": {"Listen": "fifo:" + fifo, "User": "root", "Exec": ["/bin/sh", "-c", "cat >/dev/null"]},
        })
        self.start_daemon()
        for path, kind in ((sock, "socket"), (fifo, "FIFO")):
            if not c.exists(path):
                raise Failure("no %s %s while running" % (kind, path))
        clients = [c.popen(["python3", CLIENT, "lines", ep, "1"]) for ep in ("unix:" + sock, "unix:" + sock,
                                                                              "tcp:127.0.0.1:47071")]
        pids = []
        try:
            for cl in clients:
                reply = read_json(cl)
                if not reply.get("ok"):
                    raise Failure("program did not start: %s" % reply.get("error"))
                pids += [int(p) for p in reply["line"].split()]
            alive = self.client("alive", *map(str, pids))[0]["alive"]
            if len(alive) != len(pids):
                raise Failure("programs not all running before the stop: %s of %s" % (alive, pids))
            started = time.monotonic()
            c.check(["systemctl", "stop", "socketbridge"], timeout=60)
            took = time.monotonic() - started
        finally:
            for cl in clients:
                close(cl)
        s = c.show("socketbridge", "ActiveState", "Result")
        if (s["ActiveState"], s["Result"]) != ("inactive", "success"):
            raise Failure("after stop: ActiveState=%(ActiveState)s Result=%(Result)s" % s)
        alive = self.client("alive", *map(str, pids))[0]["alive"]
        if alive:
            raise Failure("still running after the stop: %s" % alive)
        if c.exists(fifo):
            raise Failure("left behind: %s" % fifo)
        # The socket file stays: its socket was in systemd's file-descriptor
        # store, for a restart to adopt; a stop empties the store, so the file
        # is stale now (nobody listens), and the next start replaces it.
        stored = c.show("socketbridge", "NFileDescriptorStore")["NFileDescriptorStore"]
        if stored != "0":
            raise Failure("NFileDescriptorStore=%s after the stop" % stored)
        if c.exists(sock):
            stale = self.client("echo", "unix:" + sock, "anyone?")[0]
            if stale["ok"] or "Refused" not in stale.get("error", ""):
                raise Failure("the socket file left by the stop is not stale: %s" % stale)
        text = c.journal_text(self.since, "-u", "socketbridge")
        if text.count("killed by SIGTERM") < 3:
            raise Failure("the daemon did not log 3 programs ended by SIGTERM:\n" + text)
        return "stopped in %.1f s, %d processes ended" % (took, len(pids))

    # -- 8

    def s8_upstart_import(self):
        """an Upstart job converted by socketbridge import upstart works after a reload"""
        c = self.c
        self.bridges("10-base.json", {"base": {"Listen": "tcp:127.0.0.1:47080", "User": "root", "Exec": ["cat"]}})
        self.start_daemon()
        c.write("/root/upstart/pyecho.conf", """\
# pyecho: a job started by upstart-socket-bridge
description "line echo"
start on socket PROTO=inet PORT=47081 ADDR=127.0.0.1
stop on runlevel [!2345]
setuid nobody
respawn
exec /usr/bin/python3 %s handoff-echo
""" % CLIENT)
        c.write("/root/upstart/unixecho.conf", """\
start on socket PROTO=unix SOCKET_PATH=/run/socketbridge-test-upstart.sock
script
  exec /usr/bin/python3 %s handoff-echo
end script
""" % CLIENT)
        r = c.check(["socketbridge", "import", "upstart", "/root/upstart/pyecho.conf", "/root/upstart/unixecho.conf"])
        c.write(os.path.join(BRIDGES_D, "60-upstart.json"), r.stdout)
        c.check(["socketbridge", "check"])
        c.check(["systemctl", "reload", "socketbridge"], timeout=60)
        self.served_soon("tcp:127.0.0.1:47081", "through an upstart job")
        self.served_soon("unix:/run/socketbridge-test-upstart.sock", "through an upstart script")
        self.echo("tcp:127.0.0.1:47080", "the base bridge still serves")
        self.expect_state("active (running)")
        return "bridges pyecho and unixecho"

    # -- 11 and 12: package upgrades (issue 17)

    def package(self, which):
        package = self.packages.get(which)
        if package is None:
            raise Failure("no --upgrade-deb given (make system-test builds one)")
        return package

    def installed_version(self):
        r = self.c.run(["dpkg-query", "-W", "-f", "${Version} ${db:Status-Abbrev}", "socketbridge"])
        return r.stdout.strip()

    def install_base(self):
        """The package at its base version, the daemon stopped (reset() stops it): a downgrade after an upgrade scenario."""
        base = self.package("base")
        if self.installed_version() != "%s ii" % base.version:
            self.c.check(["dpkg", "-i", base.path], timeout=180)
        return base

    def dpkg_install(self, package):
        """dpkg -i: Failure unless it succeeds and the package is installed at its version; returns what it printed."""
        r = self.c.run(["dpkg", "-i", package.path], timeout=180)
        output = (r.stdout + r.stderr).strip()
        if r.returncode != 0:
            raise Failure("dpkg -i %s exited with %d:\n%s" % (package.path, r.returncode, output[-2000:]))
        installed = self.installed_version()
        if installed != "%s ii" % package.version:
            raise Failure("dpkg-query after the upgrade: %r, expected %r" % (installed, "%s ii" % package.version))
        return output

    def image(self, pid):
        """The file a process runs: readlink of /proc/PID/exe (" (deleted)" once replaced) and its inode."""
        exe = self.c.check(["readlink", "/proc/%s/exe" % pid]).stdout.strip()
        inode = self.c.check(["stat", "-L", "-c", "%i", "/proc/%s/exe" % pid]).stdout.strip()
        return exe, inode

    def s11_package_upgrade(self):
        """dpkg -i of a newer build during client loops and a held session: the daemon re-executes, 0 failures"""
        c = self.c
        self.install_base()
        upgrade = self.package("upgrade")
        self.backend(47110)
        spawn, forward, held_at = "tcp:127.0.0.1:47111", "tcp:127.0.0.1:47112", "tcp:127.0.0.1:47113"
        self.bridges("10-upgrade.json", {
            "spawn": {"Listen": spawn, "User": "root", "Exec": ["cat"]},
            "forward": {"Listen": forward, "Target": "tcp:127.0.0.1:47110"},
            "held": {"Listen": held_at, "User": "root", "Exec": ["cat"]},
        })
        self.start_daemon()
        pid = c.show("socketbridge", "MainPID")["MainPID"]
        old_exe, old_inode = self.image(pid)
        watcher = StateWatcher(c)
        held = c.popen(["python3", CLIENT, "hold", held_at])
        loops = [c.popen(["python3", CLIENT, "loop", ep]) for ep in (spawn, forward)]
        results = [[], []]
        try:
            talk(held, None)
            talk(held, "before the upgrade")
            for loop, seen in zip(loops, results):
                collect(loop, seen, 5)
            started = time.time()
            output = self.dpkg_install(upgrade)
            ended = time.time()
            for loop, seen in zip(loops, results):
                collect(loop, seen, len(seen) + 5)
            talk(held, "after the upgrade")
            self.echo(spawn, "a new connection after the upgrade")
        finally:
            close(held)
            summaries = [close(loop) for loop in loops]
            states = watcher.stop()
        if "re-executed" not in output or "NOT re-executed" in output:
            raise Failure("the upgrade did not say the daemon was re-executed:\n" + output[-2000:])
        details = []
        for endpoint, seen, summary in zip((spawn, forward), results, summaries):
            seen += [r for r in summary if "n" in r]
            failed = [r for r in seen if not r["ok"]]
            if failed:
                raise Failure("%s: %d of %d connections failed, first #%d at %.3f (dpkg ran %.3f-%.3f): %s"
                              % (endpoint, len(failed), len(seen), failed[0]["n"], failed[0]["t"], started, ended,
                                 failed[0].get("error")))
            during = sum(1 for r in seen if started <= r["t"] <= ended)
            if not during:
                raise Failure("%s: no connection completed while dpkg ran (%.3f-%.3f)" % (endpoint, started, ended))
            details.append("%d (%d during dpkg -i)" % (len(seen), during))
        if "failed" in states:
            raise Failure("the unit was seen failed (states: %s)" % ", ".join(sorted(states)))
        self.expect_state("active (running)")
        if c.show("socketbridge", "MainPID")["MainPID"] != pid:
            raise Failure("MainPID changed from %s: restarted, not re-executed" % pid)
        exe, inode = self.image(pid)
        packaged = c.check(["stat", "-c", "%i", "/usr/sbin/socketbridge"]).stdout.strip()
        if exe != "/usr/sbin/socketbridge" or inode != packaged or inode == old_inode:
            raise Failure("pid %s runs %s (inode %s), not the new /usr/sbin/socketbridge (inode %s; before: %s, inode %s)"
                          % (pid, exe, inode, packaged, old_exe, old_inode))
        logged = [m for m in c.journal_text(self.since, "-u", "socketbridge").splitlines() if "re-executed" in m]
        if len(logged) != 1:
            raise Failure("%d re-executed lines in the daemon's journal, expected 1: %s" % (len(logged), logged))
        said = [line for line in output.splitlines() if "re-executed" in line]
        return ("%s -> %s, dpkg -i %.1f s, pid %s kept, runs the new file (inode %s, was %s); spawn %s, forward %s "
                "connections, 0 failed; %s" % (self.package("base").version, upgrade.version, ended - started, pid, inode,
                                              old_inode, details[0], details[1], said[0].strip()))

    def s12_upgrade_stopped_or_refused(self):
        """an upgrade leaves a stopped daemon stopped; a refused re-exec keeps the old daemon serving and says so"""
        c = self.c
        base = self.install_base()
        upgrade = self.package("upgrade")
        echo_at, held_at = "tcp:127.0.0.1:47121", "tcp:127.0.0.1:47122"
        self.bridges("10-refused.json", {
            "echo": {"Listen": echo_at, "User": "root", "Exec": ["cat"]},
            "held": {"Listen": held_at, "User": "root", "Exec": ["cat"]},
        })
        # Stopped: the upgrade starts nothing.
        output = self.dpkg_install(upgrade)
        if "re-exec" in output:
            raise Failure("the upgrade of a stopped daemon talked of a re-exec:\n" + output[-2000:])
        self.expect_state("inactive (dead)")
        starts = [e for e in c.journal(self.since, "-u", "socketbridge")
                  if e.get("MESSAGE_ID") == "7d4958e842da4a758f6c1cdc7b36dcc5"]
        if starts:
            raise Failure("the upgrade started the daemon: %s" % starts[0].get("MESSAGE"))

        # Running, with a configuration the new program refuses (a drop-in broken after the start).
        self.install_base()
        self.start_daemon()
        pid = c.show("socketbridge", "MainPID")["MainPID"]
        broken = os.path.join(BRIDGES_D, "30-broken.json")
        held = c.popen(["python3", CLIENT, "hold", held_at])
        try:
            talk(held, None)
            talk(held, "before the refused upgrade")
            self.bridges("30-broken.json", {"echo": {"Lisen": "x"}})
            output = self.dpkg_install(upgrade)
            talk(held, "after the refused upgrade")
            self.echo(echo_at, "the old daemon serves on")
        finally:
            close(held)
        for want in ("NOT re-executed", "refuses the configuration", "keeps running", "socketbridge reexec"):
            if want not in output:
                raise Failure("the upgrade's output lacks %r:\n%s" % (want, output[-2000:]))
        if "re-exec refused" not in c.journal_text(self.since, "-u", "socketbridge"):
            raise Failure("the daemon's journal has no re-exec refused line")
        self.expect_state("active (running)")
        if c.show("socketbridge", "MainPID")["MainPID"] != pid:
            raise Failure("MainPID changed from %s" % pid)
        exe, _ = self.image(pid)
        if not exe.endswith(" (deleted)"):
            raise Failure("after a refused re-exec pid %s runs %s, expected the old, replaced image" % (pid, exe))
        # What the message says to do: correct the files, then socketbridge reexec.
        c.remove(broken)
        r = c.check(["timeout", "120", "socketbridge", "reexec"], timeout=150)
        exe, _ = self.image(pid)
        if exe != "/usr/sbin/socketbridge":
            raise Failure("after socketbridge reexec pid %s runs %s" % (pid, exe))
        self.echo(echo_at, "after the re-exec")
        refusal = [line.strip() for line in output.splitlines() if "refuse" in line]
        return "stopped stayed stopped; refused (%s), %s kept serving; then %s" % (
            refusal[0] if refusal else "?", base.version, r.stdout.strip())

    def s13_remove_and_purge(self):
        """dpkg -r stops the socket and the daemon and its programs; purge removes the enablement links and conffiles"""
        c = self.c
        base = self.install_base()
        self.bridges("10-removed.json", {"echo": {"Listen": "tcp:127.0.0.1:47131", "User": "root", "Exec": ["cat"]}})
        # Both enabled; only the service started (the socket cannot start beside a running service).
        c.check(["systemctl", "enable", "socketbridge.socket"], timeout=60)
        c.check(["systemctl", "enable", "--now", "socketbridge.service"], timeout=60)
        self.expect_state("active (running)")
        links = ["/etc/systemd/system/multi-user.target.wants/socketbridge.service",
                 "/etc/systemd/system/sockets.target.wants/socketbridge.socket"]
        pid = int(c.show("socketbridge", "MainPID")["MainPID"])
        held = c.popen(["python3", CLIENT, "hold", "tcp:127.0.0.1:47131"])
        try:
            talk(held, None)
            talk(held, "before the removal")
            removed = c.run(["dpkg", "-r", "socketbridge"], timeout=120)
            if removed.returncode != 0:
                raise Failure("dpkg -r exited with %d: %s" % (removed.returncode, (removed.stdout + removed.stderr)[-2000:]))
        finally:
            close(held)
        if self.client("alive", str(pid))[0]["alive"]:
            raise Failure("the daemon %d still runs after dpkg -r" % pid)
        if "killed by SIGTERM" not in c.journal_text(self.since, "-u", "socketbridge"):
            raise Failure("the held session's program was not logged as ended by SIGTERM")
        for unit in ("socketbridge.service", "socketbridge.socket"):
            s = c.show(unit, "ActiveState", "LoadState")
            if s["ActiveState"] != "inactive" or s["LoadState"] != "not-found":
                raise Failure("after dpkg -r: %s is %s, %s (expected inactive, not-found)" % (unit, s["ActiveState"], s["LoadState"]))
        if not c.exists("/etc/socketbridge/socketbridge.json"):
            raise Failure("dpkg -r removed the conffile /etc/socketbridge/socketbridge.json")
        purged = c.run(["dpkg", "--purge", "socketbridge"], timeout=120)
        if purged.returncode != 0:
            raise Failure("dpkg --purge exited with %d: %s" % (purged.returncode, (purged.stdout + purged.stderr)[-2000:]))
        left = [p for p in links + ["/etc/socketbridge/socketbridge.json"] if c.exists(p)]
        if left:
            raise Failure("left after purge: %s" % ", ".join(left))
        if not c.exists(os.path.join(BRIDGES_D, "10-removed.json")):
            raise Failure("purge removed a bridge file the administrator added")
        # Back to the package as installed, for the scenarios after this one.
        c.check(["dpkg", "-i", base.path], timeout=180)
        return "stopped on removal; purge removed %d links and the conffiles, kept the added bridge" % len(links)

    # -- 14, 15: systemd's file-descriptor store (issue 17)

    # A spawn program that finishes its request when the stop's SIGTERM
    # comes (as a well-behaved server does), so a restart ends no connection:
    # SIGTERM ignored from its exec on (a trap in the shell would come too
    # late for a program launched just before the stop).
    FINISHING_ECHO = ["/usr/bin/env", "--ignore-signal=TERM", "/bin/sh", "-c", "IFS= read -r line; printf '%s\\n' \"$line\""]

    def stored_bridges(self, ports):
        """A spawn bridge, and a tcp: and a unix: forward bridge to a backend outside the unit; their endpoints."""
        spawn, forward, backend = ports
        path = "/run/socketbridge-test-fdstore.sock"
        self.backend(backend)
        self.bridges("10-stored.json", {
            "sspawn": {"Listen": "tcp:127.0.0.1:%d" % spawn, "User": "root", "Exec": self.FINISHING_ECHO},
            "sfwd": {"Listen": "tcp:127.0.0.1:%d" % forward, "Target": "tcp:127.0.0.1:%d" % backend},
            "sunix": {"Listen": "unix:" + path, "Target": "tcp:127.0.0.1:%d" % backend},
        })
        return ["tcp:127.0.0.1:%d" % spawn, "tcp:127.0.0.1:%d" % forward, "unix:" + path]

    def stored_count(self, want):
        """Waits until systemd's store for the unit holds want descriptors; returns the count."""
        return wait_for("NFileDescriptorStore=%d" % want,
                        lambda: int(self.c.show("socketbridge", "NFileDescriptorStore")["NFileDescriptorStore"] or -1) == want, 10)

    def s14_restart_keeps_listeners(self):
        """systemctl restart during client loops (spawn, forward, unix forward): the fd store keeps the listeners, nobody is refused"""
        c = self.c
        endpoints = self.stored_bridges((47111, 47112, 47110))
        self.start_daemon()
        s = c.show("socketbridge", "FileDescriptorStoreMax")
        if s["FileDescriptorStoreMax"] in ("", "0"):
            raise Failure("the unit has no FileDescriptorStoreMax= (%r)" % s["FileDescriptorStoreMax"])
        self.stored_count(3)
        loops = [c.popen(["python3", CLIENT, "loop", e]) for e in endpoints]
        seen = [[] for _ in loops]
        restarts = []
        try:
            for loop, got in zip(loops, seen):
                collect(loop, got, 3)
            for _ in range(3):
                pid = c.show("socketbridge", "MainPID")["MainPID"]
                started = time.time()
                c.check(["systemctl", "restart", "socketbridge"], timeout=60)
                restarts.append((started, time.time()))
                if c.show("socketbridge", "MainPID")["MainPID"] == pid:
                    raise Failure("MainPID unchanged after the restart")
                self.expect_state("active (running)")
                for loop, got in zip(loops, seen):
                    collect(loop, got, len(got) + 5)
        finally:
            per_loop = [got + [r for r in close(loop) if "n" in r] for loop, got in zip(loops, seen)]
            results = [r for got in per_loop for r in got]
        # Nobody is refused. A spawn connection whose program had just been
        # launched when a stop came ends with it (SPEC 7: SIGTERM to every
        # program; one cannot ignore it before its first instruction): such a
        # failure must be a connection the daemon accepted, its program's
        # end logged with the client's port. Forwarded ones never fail.
        failed = [(endpoint, r) for got, endpoint in zip(per_loop, endpoints) for r in got if not r["ok"]]

        def unexplained():
            logged = {}
            for e in c.journal(self.since, "-u", "socketbridge", "BRIDGE=sspawn"):
                logged.setdefault(e.get("REMOTE_PORT"), []).append(e.get("MESSAGE", ""))
            for endpoint, r in failed:
                messages = logged.get(str(r.get("local_port")), [])
                if endpoint != endpoints[0] or not any("killed by SIGTERM" in m for m in messages):
                    return "%s: connection #%d at %s failed (restarts %s): %s; the daemon logged for its port: %r" % (
                        endpoint, r["n"], r["t"], restarts, r.get("error"), messages)
            return None

        if failed:
            # The journal may take a moment to have the last entries.
            try:
                wait_for("every failed connection explained", lambda: unexplained() is None, 5)
            except Failure:
                raise Failure(unexplained())
        ended = len(failed)
        self.stored_count(3)
        text = c.journal_text(self.since, "-u", "socketbridge")
        adopted = sum(1 for line in text.splitlines()
                      if ": listening on " in line and "(passed by systemd as sb/" in line)
        if adopted < 9 or "stay in systemd's file-descriptor store" not in text:
            raise Failure("the restarts did not keep the stored sockets (%d adoptions logged, expected 9):\n%s" % (adopted, text[-3000:]))
        during = sum(1 for r in results for (a, b) in restarts if a <= r["t"] <= b)
        return ("3 restarts, %d connections (%d during the restarts, slowest %d ms), 0 refused, %d spawn connection(s) "
                "ended by the stop's SIGTERM to their program; %d adoptions of stored sockets") % (
            len(results), during, max(r["ms"] for r in results), ended, adopted)

    def s15_kill9_queued_served(self):
        """kill -9 of the daemon: systemd restarts it with the stored listeners; connections queued meanwhile are served"""
        c = self.c
        endpoints = self.stored_bridges((47121, 47122, 47120))
        # Time to open connections while no daemon runs (RestartSec is 100 ms by default).
        dropin = "/etc/systemd/system/socketbridge.service.d/50-restartsec.conf"
        c.write(dropin, "[Service]\nRestartSec=5s\n")
        c.check(["systemctl", "daemon-reload"])
        held = []
        try:
            self.start_daemon()
            self.stored_count(3)
            pid = c.show("socketbridge", "MainPID")["MainPID"]
            c.check(["python3", "-c", "import os, sys; os.kill(int(sys.argv[1]), 9)", pid])
            wait_for("the unit waiting to restart", lambda: self.state() == "activating (auto-restart)", 10)
            for e in endpoints:
                h = c.popen(["python3", CLIENT, "hold", e])
                held.append(h)
                talk(h, None)
            for i, h in enumerate(held):
                h.stdin.write("queued %d\n" % i)
                h.stdin.flush()
            s = c.show("socketbridge", "ActiveState", "SubState", "MainPID")
            if (s["SubState"], s["MainPID"]) != ("auto-restart", "0"):
                raise Failure("the daemon was back before the clients had connected and sent (%(ActiveState)s (%(SubState)s), MainPID=%(MainPID)s)" % s)
            for i, h in enumerate(held):
                reply = read_json(h, 30)
                if not reply.get("ok"):
                    raise Failure("queued connection to %s: %s" % (endpoints[i], reply.get("error") or reply))
            self.expect_state("active (running)")
            s = c.show("socketbridge", "MainPID", "NRestarts")
            if s["MainPID"] == pid or s["NRestarts"] != "1":
                raise Failure("MainPID=%(MainPID)s NRestarts=%(NRestarts)s after kill -9 of " % s + pid)
            for e in endpoints:
                self.echo(e, "after the restart")
        finally:
            for h in held:
                close(h)
            c.remove(dropin)
            c.run(["systemctl", "daemon-reload"])
        return "3 connections opened with data while the unit was in auto-restart, all served by pid %s" % s["MainPID"]

    # -- 16

    def s16_sandbox(self):
        """Limits, Nice, UMask, PrivateTmp, PrivateNetwork, RuntimeMax under the packaged unit; CPU and RSS in the journal"""
        c = self.c
        # What the program sees, then the echo: its /tmp and /var/tmp, its limits, and whether
        # it can reach a port the host listens on.
        reach = ('import socket, sys\ntry:\n    socket.create_connection(("127.0.0.1", 47161), 2)\n'
                 '    print("reach")\nexcept OSError:\n    print("noreach")\n')
        program = ('echo "tmp=[$(ls -A /tmp /var/tmp | grep -v : | tr -d "\\n")]"; '
                   'echo "nofile=$(ulimit -n) nice=$(nice) umask=$(umask) $(grep NoNewPrivs /proc/self/status | tr -d "\\t")"; '
                   'python3 -c "$REACH"; IFS= read -r line; printf "%s\\n" "$line"')
        sandboxed = {"Listen": "tcp:127.0.0.1:47160", "User": "nobody", "Exec": ["/bin/sh", "-c", program],
                     "Environment": {"REACH": reach}, "LimitNOFILE": 64, "Nice": 5, "UMask": "0077"}
        self.bridges("10-sandbox.json", {
            "sbx": dict(sandboxed, PrivateTmp=True, PrivateNetwork=True),
            "open": dict(sandboxed, Listen="tcp:127.0.0.1:47162"),
            "host": {"Listen": "tcp:127.0.0.1:47161", "User": "nobody", "Exec": ["cat"]},
            "slow": {"Listen": "tcp:127.0.0.1:47163", "User": "nobody", "Exec": ["sleep", "60"], "RuntimeMax": "1s"},
        })
        # From inside: the container's /tmp is a tmpfs of its own (tmp.mount), over the root's directory.
        c.check(["touch", "/tmp/socketbridge-host-marker"])
        try:
            self.start_daemon()
            boxed = self.client("echo", "tcp:127.0.0.1:47160", "sandboxed")[0]
            plain = self.client("echo", "tcp:127.0.0.1:47162", "plain")[0]
        finally:
            c.run(["rm", "-f", "/tmp/socketbridge-host-marker"])
        want_boxed = "tmp=[]\nnofile=64 nice=5 umask=0077 NoNewPrivs:1\nnoreach\nsandboxed\n"
        if boxed.get("reply") != want_boxed:
            raise Failure("PrivateTmp+PrivateNetwork program: %r, expected %r (%s)" % (boxed.get("reply"), want_boxed, boxed.get("error")))
        reply = plain.get("reply", "")
        if "socketbridge-host-marker" not in reply or "\nreach\n" not in reply:
            raise Failure("the same program without PrivateTmp/PrivateNetwork should see the host's /tmp and port: %r" % reply)

        slow = self.client("echo", "tcp:127.0.0.1:47163", "x", timeout=60)[0]
        if slow.get("ms", 0) > 30000:
            raise Failure("RuntimeMax 1s: the connection lasted %d ms" % slow["ms"])

        def entry(bridge, field):
            for e in c.journal(self.since, "-u", "socketbridge", "BRIDGE=" + bridge):
                if field in e:
                    return e
            return None

        boxed_entry = wait_for("the sbx exit entry", lambda: entry("sbx", "CPU_USER_USEC"), 10)
        for field in ("CPU_USER_USEC", "CPU_SYSTEM_USEC", "MAX_RSS_KIB", "EXIT_STATUS"):
            if not boxed_entry.get(field, "").isdigit():
                raise Failure("the sbx exit entry lacks %s: %s" % (field, boxed_entry.get("MESSAGE")))
        slow_entry = wait_for("the slow exit entry", lambda: entry("slow", "RUNTIME_MAX_SIGNAL"), 10)
        if (slow_entry["RUNTIME_MAX_SIGNAL"], slow_entry.get("SIGNAL"), slow_entry.get("PRIORITY")) != ("SIGTERM", "SIGTERM", "4"):
            raise Failure("RuntimeMax entry: %s" % slow_entry.get("MESSAGE"))
        return "sandboxed program saw an empty /tmp, nofile 64, nice 5, umask 0077, no host port; RuntimeMax ended sleep after %d ms" % slow["ms"]

    ALL = [
        ("1", "enable --now", "s1_enable_now"),
        ("2", "socket activation", "s2_socket_activation"),
        ("3", "journal fields", "s3_journal_fields"),
        ("4", "reload", "s4_reload"),
        ("5", "restart while socket-activated", "s5_restart_socket_activated"),
        ("6", "configuration error", "s6_configuration_error"),
        ("7", "stop", "s7_stop"),
        ("8", "upstart import", "s8_upstart_import"),
        ("11", "package upgrade re-executes", "s11_package_upgrade"),
        ("12", "upgrade stopped or refused", "s12_upgrade_stopped_or_refused"),
        ("13", "remove and purge", "s13_remove_and_purge"),
        ("14", "restart refuses nobody (fd store)", "s14_restart_keeps_listeners"),
        ("15", "kill -9: queued connections served (fd store)", "s15_kill9_queued_served"),
        ("16", "limits and sandboxing under the unit", "s16_sandbox"),
    ]

    def diagnostics(self):
        c = self.c
        try:
            status = c.run(["systemctl", "status", "--no-pager", "-n", "0", "socketbridge.service",
                            "socketbridge.socket"]).stdout
            journal = c.run(["journalctl", "--no-pager", "-o", "short-precise",
                             "--since", "@%.6f" % self.since, "-u", "socketbridge"]).stdout.splitlines()
        except Failure as ex:
            return str(ex)
        # The last lines, and before them only what is out of the ordinary.
        notable = [line for line in journal[:-15]
                   if any(w in line for w in (" WRN ", " ERR ", " FTL ", "killed", "ailed", "rror"))]
        if len(notable) > 40:
            notable = ["... %d notable lines before these ..." % (len(notable) - 40)] + notable[-40:]
        return "\n".join([status.rstrip()] + notable + ["..."] * bool(notable) + journal[-15:])


class StateWatcher:
    """Records every ActiveState the service passes through, polling systemctl, until stop()."""

    def __init__(self, container):
        self.c = container
        self.seen = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        while not self.stopping.is_set():
            try:
                self.seen.add(self.c.show("socketbridge", "ActiveState")["ActiveState"])
            except Failure:
                pass
            self.stopping.wait(0.05)

    def stop(self):
        self.stopping.set()
        self.thread.join(30)
        return self.seen


def read_json(proc, timeout=20):
    """The next JSON line a client prints, or a Failure after timeout."""
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box:
        raise Failure("no answer from the client within %d s" % timeout)
    if not box[0]:
        raise Failure("the client ended: %s" % proc.stderr.read()[-500:] if proc.poll() is not None else "the client ended")
    return json.loads(box[0])


def talk(proc, text, expect=None):
    """Sends a line through a `hold` client (or, with text None, reads its greeting)."""
    if text is not None:
        proc.stdin.write(text + "\n")
        proc.stdin.flush()
    reply = read_json(proc)
    if not reply.get("ok"):
        raise Failure("held connection: %s" % (reply.get("error") or "sent %r, got %r" % (text, reply.get("reply"))))
    return reply


def collect(proc, results, count, timeout=60):
    """Reads a `loop` client's results until there are count of them."""
    deadline = time.monotonic() + timeout
    while len(results) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failure("only %d connections in %d s" % (len(results), timeout))
        results.append(read_json(proc, left))


def close(proc, timeout=30):
    """Closes a client's stdin (its signal to finish) and returns what it printed since."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    # Through proc.stdout itself: read_json's readline() may hold lines in its buffer.
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.read()), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        os.killpg(proc.pid, signal.SIGKILL)
        reader.join(10)
    proc.wait(10)
    out = box[0] if box else ""
    return [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]


# ---------------------------------------------------------------------------


class Package:
    """A .deb copied into the container: its path there and its Version."""

    def __init__(self, c, deb):
        r = run_host(["dpkg-deb", "-f", deb, "Version"], 30)
        if r.returncode != 0:
            raise SetupError("dpkg-deb -f %s Version: %s" % (deb, r.stderr.strip()))
        self.version = r.stdout.strip()
        self.path = "/root/" + os.path.basename(deb)
        c.write(self.path, "")
        shutil.copyfile(deb, c.path(self.path))


def install(c, deb):
    c.write("/root/" + os.path.basename(deb), "")
    shutil.copyfile(deb, c.path("/root/" + os.path.basename(deb)))
    c.write(CLIENT, open(os.path.join(HERE, "client.py")).read(), 0o755)
    os.chmod(c.path(CLIENT_DIR), 0o755)
    r = c.run(["dpkg", "-i", "/root/" + os.path.basename(deb)], timeout=120)
    if r.returncode != 0:
        raise SetupError("dpkg -i failed (%d):\n%s" % (r.returncode, (r.stdout + r.stderr)[-3000:]))
    dotnet = c.run(["sh", "-c", "command -v dotnet || ls -d /usr/share/dotnet /usr/lib/dotnet 2>/dev/null"]).stdout.strip()
    if dotnet:
        raise SetupError("the container has .NET (%s): it would not prove the package self-contained" % dotnet)
    return c.check(["socketbridge", "--version"]).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deb", help="the package to install")
    parser.add_argument("--upgrade-deb", help="the same package at a higher version, for the upgrade scenarios")
    parser.add_argument("--preflight", action="store_true",
                        help="only check that this machine can run the test: exit 0 yes, 3 it cannot (SKIP), 2 tools missing")
    parser.add_argument("--prepare-root", action="store_true", help="only build the cached root file system")
    parser.add_argument("--keep", action="store_true", help="leave the container running at the end (for a look inside)")
    parser.add_argument("scenarios", nargs="*", help="numbers of the scenarios to run (default: all)")
    args = parser.parse_args()

    why = cannot_run_nspawn()
    if why:
        log("SKIP system test: this machine cannot run systemd-nspawn: %s" % why)
        return 3 if args.preflight else 0
    missing = [tool for tool in ("systemd-nspawn", "debootstrap", "nsenter") if shutil.which(tool) is None]
    if missing:
        log("system test: missing %s; apt-get install systemd-container debootstrap" % ", ".join(missing))
        return 2
    if args.preflight:
        return 0
    if args.prepare_root:
        try:
            ensure_root()
        except (SetupError, Failure) as ex:
            log("system test: %s" % ex)
            return 2
        return 0
    if not args.deb or not os.path.isfile(args.deb):
        log("system test: no package %s (make deb builds it)" % args.deb)
        return 2
    if args.upgrade_deb and not os.path.isfile(args.upgrade_deb):
        log("system test: no package %s (make deb DEB_VERSION=... builds it)" % args.upgrade_deb)
        return 2

    wanted = [s for s in Scenarios.ALL if not args.scenarios or s[0] in args.scenarios]
    started = time.monotonic()
    work_dir = tempfile.mkdtemp(prefix="socketbridge-system-test.", dir="/var/tmp")
    container = None

    def on_signal(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    results = []
    try:
        root = ensure_root()
        container = Container(root, work_dir)
        t = time.monotonic()
        container.boot()
        log("booted Debian %s with systemd as PID 1 (nspawn, pid %d on this machine) in %.1f s"
            % (SUITE, container.pid1, time.monotonic() - t))
        t = time.monotonic()
        version = install(container, os.path.abspath(args.deb))
        log("installed %s with dpkg -i (socketbridge %s) in %.1f s" % (os.path.basename(args.deb), version,
                                                                         time.monotonic() - t))
        packages = {"base": Package(container, os.path.abspath(args.deb)),
                    "upgrade": Package(container, os.path.abspath(args.upgrade_deb)) if args.upgrade_deb else None}
        scenarios = Scenarios(container, packages)
        for number, title, method in wanted:
            t = time.monotonic()
            try:
                scenarios.reset()
                detail = getattr(scenarios, method)()
                results.append(True)
                log("PASS %s %s (%.1f s): %s" % (number, title, time.monotonic() - t, detail))
            except Failure as ex:
                results.append(False)
                log("FAIL %s %s (%.1f s): %s" % (number, title, time.monotonic() - t, ex))
                log("     " + scenarios.diagnostics().replace("\n", "\n     "))
    except (SetupError, Failure) as ex:
        log("system test: setup failed: %s" % ex)
        return 2
    except KeyboardInterrupt as ex:
        log("system test: interrupted (%s)" % ex)
        return 130
    finally:
        if container is not None:
            if args.keep and container.nspawn and container.nspawn.poll() is None:
                log("kept: nsenter -t %d -a bash (stop: kill %d; then umount %s)"
                    % (container.pid1, container.nspawn.pid, container.root))
            else:
                container.shutdown()
                shutil.rmtree(work_dir, ignore_errors=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    passed = sum(results)
    log("system test: %d passed, %d failed (%.0f s)" % (passed, len(results) - passed, time.monotonic() - started))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
