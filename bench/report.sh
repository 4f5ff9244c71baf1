#!/usr/bin/env bash
# Writes docs/benchmarks.md (on stdout) from the tables of bench/forward.sh,
# bench/spawn-rate.sh and (when given) bench/reexec.py and bench/metrics.sh, with
# the machine and the versions they ran with.
# SOCKETBRIDGE_BIN: the program measured (default: the NativeAOT out/publish/socketbridge).
#   bench/report.sh FORWARD.md SPAWN.md [REEXEC.md [METRICS.md [CMAX.md]]] > docs/benchmarks.md
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
forward=$1 spawn=$2 reexec=${3:-} metrics=${4:-}
cmax=${5:-}
sb=${SOCKETBRIDGE_BIN:-$root/out/publish/socketbridge}
dotnet=${DOTNET:-dotnet}

first() { "$@" 2>&1 | head -n 1 || true; }
pkg() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo unknown; }

cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" || echo unknown)
sdk=$("$dotnet" --version 2>/dev/null || echo unknown)
runtime=$("$dotnet" --list-runtimes 2>/dev/null | awk '/^Microsoft.NETCore.App/ {v = $2} END {print v}')
version=$("$sb" --version 2>/dev/null || echo unknown)
tree=""
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1 && [[ -n $(git -C "$root" status --porcelain -- src 2>/dev/null) ]]; then
  tree=" (built from a working tree with uncommitted changes in src/)"
fi

cat <<EOF
# Benchmarks

The latest \`make bench\` run, written by it: forward mode against no relay at
all, systemd-socket-proxyd and socat, then spawn mode, start-up time and
idle memory against tcpserver, xinetd, systemd-socket-activate and socat,
then how long a re-exec takes, then what the metrics cost. socketbridge is the NativeAOT program that
\`make publish\` builds and the package ships. Run it again with \`make bench\` (\`make bench-deps\` installs
what it needs); the scripts and their parameters are in [bench/](../bench/):
\`forward.sh\` takes \`BENCH_ROUNDS\`, \`BENCH_SIZE\`, \`BENCH_THROUGHPUT_SLICES\`, \`BENCH_RTT_COUNT\`,
\`BENCH_RTT_SLICES\`, \`BENCH_CONNS\`, \`BENCH_CONN_WORKERS\`, \`BENCH_IDLE\`, \`BENCH_PEERS\` and \`BENCH_PORT_BASE\`
from the environment; \`spawn-rate.sh\` takes the number of requests, the
concurrency and the rounds as arguments, and \`BENCH_STARTUP_ROUNDS\`,
\`BENCH_SPAWN_C2\`, \`BENCH_SPAWN_N2\`, \`BENCH_SPAWN_CEILING_N\`,
\`BENCH_SPAWN_PORT_BASE\`, \`BENCH_SPAWN_PARTS\` and \`BENCH_SANDBOX_VARIANTS\`
(\`make bench-sandbox\` runs its sandbox part alone); \`reexec.py\` takes \`BENCH_REEXEC_ROUNDS\`,
\`BENCH_REEXEC_CONNS\` and \`BENCH_REEXEC_PORT_BASE\` (\`make bench-reexec\`
runs it alone); \`metrics.sh\` takes the number of requests, the concurrency and the
rounds as arguments, and \`BENCH_METRICS_SIZE\`, \`BENCH_METRICS_PORT_BASE\` and
\`BENCH_METRICS_SLICES\` (\`make bench-metrics\` runs it alone). Everything runs on 127.0.0.1 on the one machine,
client, relay and backend sharing its CPUs; numbers from a shared or busy machine
move by tens of percent from run to run, so compare columns of the same run.

Run on $(date -u '+%Y-%m-%d %H:%M UTC').

| machine | |
| --- | --- |
| CPUs (\`nproc\`) | $(nproc) |
| CPU | ${cpu:-unknown} |
| memory | $mem |
| kernel | $(uname -sr) $(uname -m) |
| OS | $os |
| .NET | SDK $sdk, runtime ${runtime:-unknown} |
| socketbridge | $version$tree, NativeAOT |
| systemd-socket-proxyd | $(first /lib/systemd/systemd-socket-proxyd --version) |
| socat | $(socat -V 2>/dev/null | awk '/^socat version/ {print $3; exit}') |
| iperf3 | $(first iperf3 --version) |
| tcpserver | ucspi-tcp $(pkg ucspi-tcp) |
| xinetd | $(pkg xinetd) |
| systemd-socket-activate | $(first systemd-socket-activate --version) |
| ab | $(first ab -V | sed -e 's/^This is //' -e 's/ <.*//') |
| gcc (the C clients and http-ok) | $(gcc -dumpfullversion 2>/dev/null || echo unknown) |

## Forward: socketbridge against systemd-socket-proxyd and socat

bench/forward.sh. "direct" is the client talking to the backend itself:
iperf3 -s for tcp→tcp; for tcp→unix a sink on a Unix socket that reads and
discards (the client sends, half-closes, and stops the clock when the sink
has closed, so every byte has arrived); an echo server for the round trips,
the short connections and the idle connections. socketbridge is a forward
bridge (\`LogLevel\` \`Warning\`, \`MaxConnections\` 5000);
systemd-socket-proxyd runs under \`systemd-socket-activate -l\` with
\`--connections-max=5000\`; socat is \`socat TCP-LISTEN:PORT,bind=127.0.0.1,fork,reuseaddr,backlog=4096 TCP:...\`
(\`UNIX-CONNECT:\` for tcp→unix; with socat's default backlog of 5, a burst
of connections waits for SYN retransmissions, and 1,000 idle connections took
minutes to open). Memory is VmRSS from /proc (and Pss, which
counts a page shared by N processes as 1/N: socat forks one process per
connection, so its RSS sum counts the shared libraries a thousand times).

This machine's noise is large and comes in bursts, so the relays take turns
closely. Throughput: four transfers a round for each, in an order that
rotates. Round trips: one client (\`netbench rttmix\`) holds a connection
through each relay and to the echo server itself, and makes one round trip
on each per step, in a new random order every step, so all meet the machine
in the same state (how long an idle CPU takes to wake moves a round trip
here by a factor of three; that is also why "direct" is faster in the mix
than alone: the CPUs stay awake); each slice's median and p99 are the
samples. Relay CPU time is the user and system time of every thread and
process of the relay (from /proc/PID/task/*/schedstat, and for socat the
children it reaped) while it did that work: less noisy than the rates, it
says what each relay costs. How much of it the kernel spent comes from the
relay's user and system time (clock ticks, so summed over every transfer).
For the short connections the same split is made, with the CPU time of the
client and of the echo server per connection; with all of them on the same
CPUs, a relay can at most reach \`nproc\` CPU-seconds a second over what one
connection costs in all, given as a multiple of systemd-socket-proxyd's
rate: at the relay's cost, with its own code taking no CPU (its kernel
time alone: connect, accept, send, shutdown, close, epoll, thread
switches), and with the relay taking no CPU at all.

EOF
cat "$forward"
cat <<EOF

## Spawn: socketbridge against tcpserver, xinetd, systemd-socket-activate and socat

bench/spawn-rate.sh: ApacheBench without keep-alive, so every request is a new
connection and a new process of bench/http-ok.c (statically linked), launched
by a socketbridge spawn bridge (\`LogLevel\` \`Warning\`, so no line per
connection, \`MaxConnections\` 1000, \`StandardError\` \`null\`), by
\`tcpserver -RHl0 -c 1000 -b 1000\`, by xinetd with
[bench/xinetd.conf](../bench/xinetd.conf) (\`wait = no\`, no log line per
connection, \`instances\`, \`per_source\` and \`cps\` raised: xinetd's default
\`cps = 50 10\` would stop the service for 10 s), by \`systemd-socket-activate
--inetd -a\` and by \`socat TCP-LISTEN:PORT,fork,reuseaddr,backlog=4096
EXEC:http-ok\`, all five listening at once. Within a round each launcher gets
one \`ab\` run, in an order that rotates from round to round, so that a busy
moment of the machine falls on all of them alike; the table gives medians.
Then, in the same round, each gets one run at \`ab -c 32\` (fewer requests per
run), in the same rotation. Issue 21 aims at 1.20× tcpserver at both.

The native ceiling, in the same rounds: bench/spawnloop.c launches the same
http-ok with \`vfork\` and \`execve\` and waits for it, with a socketpair
holding the request as its fds 0 and 1, in one loop and in \`nproc\` loops at
once. No launcher can go faster than that on this machine; the table gives
socketbridge's rate as a fraction of it.

Where the CPU goes, per connection and summed over the rounds: ab's user and
system time, the launcher's own (and how much of it the kernel spent: a
fork or vfork, accept, wait, close, and every switch between threads), and
that of the programs it reaped. With \`ab\` and every program on the same
CPUs, a launcher can at most reach \`nproc\` CPU-seconds a second over what
one connection costs in all. The table gives that bound as a multiple of
tcpserver's rate, at the launcher's cost, with its own code taking no CPU
(its kernel time alone), and with the launcher taking no CPU at all: a
target above the middle bound cannot be met on this machine by any change
to the launcher's own code.

Start-up is timed by bench/startup.py from just before the exec: for
socketbridge, to \`READY=1\` on \`NOTIFY_SOCKET\` (what systemd waits for with
\`Type=notify\`) and, separately, to its port accepting, with a configuration
of three bridges (the HTTP spawn bridge, a spawn bridge on a Unix socket and a
forward bridge); for the others, to their port accepting (a connection
attempt every 0.5 ms). Idle memory is VmRSS and Pss (shared pages divided
among the processes that map them) one second after start-up.

What the sandbox keys cost: in the same rounds, the HTTP spawn bridge again
in daemons of its own, one with every \`Limit*\`, \`Nice\`, \`UMask\` and
\`NoNewPrivileges\` set (to values that change nothing for http-ok; the aim
is at least 0.95× the plain bridge), one with \`NoNewPrivileges\` false (it
is on by default, so the plain bridge has it), one with \`PrivateTmp\`, one
with \`PrivateNetwork\`, and one plain again, whose ratio is the noise
under the others. The µs a connection costs more is 1/rate − 1/rate of the
plain bridge. After every \`ab\` run the script pauses half a second, as the
kernel frees a network namespace later, in a worker. Less noisy than the
rates: the CPU time the kernel charged each program (user and system, from
its exit entry), with one more daemon at \`LogLevel\` \`Information\` serving
a bridge of each kind in turns; it includes the steps before exec and a
mount namespace's teardown, not a network namespace's.

EOF
cat "$spawn"
if [[ -n $reexec ]]; then
  cat <<EOF

## Re-exec: \`socketbridge reexec\` with 1,000 forwarded connections open

bench/reexec.py: the daemon re-executes itself again and again
(\`socketbridge reexec\`, the NativeAOT program as the package ships it),
first with no connection open, then while a forward bridge to
bench/netbench.c's echo server holds 1,000 connections (each has echoed a
byte, and the echo server has accepted them all). A re-exec runs
the new binary's \`check\` first, then \`execve\`s it in the same process,
and the new image takes over every socket and connection and sends
\`READY=1\`. Issue 17 aims at under 100 ms from the request to \`READY=1\`.

EOF
  cat "$reexec"
fi
if [[ -n $metrics ]]; then
  cat <<EOF

## Metrics: spawn rate and relay throughput with \`SocketBridge:Metrics\` on

bench/metrics.sh: three daemons with the same two bridges, a spawn bridge
launching bench/http-ok.c (\`LogLevel\` \`Warning\`, \`MaxConnections\` 1000,
\`StandardError\` \`null\`) and a forward bridge to \`iperf3 -s\`: one with
\`SocketBridge:Metrics\` off, one with it on (\`tcp:127.0.0.1:PORT\`) and
scraped once a second throughout by bench/scrape.py (one \`GET /metrics\` a
second on a kept-alive connection, as Prometheus does), and one with it off
again, whose ratio to the first is the noise under the others. In every
round each daemon gets one \`ab\` run without keep-alive and two \`iperf3\`
transfers, in an order that rotates. Issue 19 asks for
at least 0.98× with metrics on. The daemon's CPU time (all its threads, the
scrapes included, not the programs it launches) says where a cost would be,
with less noise than the rates.

EOF
  cat "$metrics"
fi
if [[ -n $cmax ]]; then
  cat <<EOF

## Connections: as many through one forward bridge as the open-file limit allows

bench/cmax.py (\`make cmax\` runs it alone): one forward bridge (\`LogLevel\`
\`Warning\`, \`MaxConnections\` as high as the hard open-file limit) to
bench/netbench.c's epoll echo server, a process of its own. The client, a
third process, opens connections from many loopback addresses (1,000 from
each of 127.0.0.2, 127.0.0.3, ...), 256 at a time, each sending a byte and
waiting for its echo, until the daemon refuses one: the descriptors it may
use are then all taken, two per connection, the last 48 below the limit
being its reserve. Memory is VmRSS against a start warmed up with 50 short
connections; CPU time is every thread's, while all the connections sit idle;
after that, each carries a second round trip. Closing is timed until the
daemon is back at the descriptors it had before. The kernel's memory is the
machine's (Slab in /proc/meminfo, TCP buffers in /proc/net/sockstat) and
counts the four sockets of a forwarded connection: client, daemon (two) and
echo server.

EOF
  cat "$cmax"
fi
