#!/usr/bin/env bash
# Forward mode, side by side in one run: a client straight to the backend
# ("direct"), through socketbridge (forward bridge), through
# systemd-socket-proxyd (under systemd-socket-activate) and through socat
# (TCP-LISTEN,fork). Measures, each BENCH_ROUNDS times (medians reported):
#   - throughput tcp->tcp: iperf3 -c -n BENCH_SIZE against iperf3 -s, and the
#     CPU time the relay spent on it (all its threads and children)
#   - throughput tcp->unix: netbench send (BENCH_SIZE, then half-close, timed
#     until the sink closes) to netbench sink on a Unix socket
#     (both BENCH_THROUGHPUT_SLICES times a round, the peers taking turns)
#   - latency: BENCH_RTT_COUNT sequential 1-byte round trips a round on one
#     connection each to an echo server, all peers at once in a new random
#     order each trip (netbench rttmix), so every peer meets the machine in
#     the same states (how fast a CPU wakes up moves round trips here by a
#     factor of three); in BENCH_RTT_SLICES slices, whose median and p99 are
#     the samples; and the relay's CPU time
#   - short connections/s: BENCH_CONNS of (connect, 1 byte there and back,
#     close) by BENCH_CONN_WORKERS threads
#   - memory: a fresh relay, warmed up with 50 short connections; VmRSS (and
#     Pss) before and after BENCH_IDLE idle connections that the echo server
#     has all accepted (socat: the listener plus all its forked children)
# Prints a Markdown table on stdout, progress on stderr.
#   bench/forward.sh            (parameters from the environment, see below)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

rounds=${BENCH_ROUNDS:-5}
size=${BENCH_SIZE:-1G}               # iperf3 -n syntax: 1G, 512M...
rtt_count=${BENCH_RTT_COUNT:-20000}
rtt_slices=${BENCH_RTT_SLICES:-4}
tp_slices=${BENCH_THROUGHPUT_SLICES:-4}
conns=${BENCH_CONNS:-3000}
workers=${BENCH_CONN_WORKERS:-4}
idle=${BENCH_IDLE:-1000}
peers=${BENCH_PEERS:-direct socketbridge proxyd socat}
# Below the usual ephemeral range (32768-60999): a port in it can be held by
# one of the thousands of client sockets this benchmark itself opens.
base=${BENCH_PORT_BASE:-29900}
sb=${SOCKETBRIDGE_BIN:-$root/out/socketbridge}
proxyd=${PROXYD:-/lib/systemd/systemd-socket-proxyd}

missing=()
for tool in iperf3 socat gcc python3 systemd-socket-activate /usr/bin/time; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -x $proxyd ]] || missing+=("$proxyd")
[[ -x $sb ]] || missing+=("$sb (make build)")
if ((${#missing[@]})); then
  echo "bench/forward.sh: missing: ${missing[*]}" >&2
  echo "  install with: make bench-deps  (apt-get install iperf3 socat gcc python3 systemd time)" >&2
  exit 1
fi

to_bytes() {
  local n=${1%[KkMmGg]} u=${1: -1}
  case $u in K|k) echo $((n << 10));; M|m) echo $((n << 20));; G|g) echo $((n << 30));; *) echo "$1";; esac
}
bytes=$(to_bytes "$size")

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < 4 * idle + 1000)); then
  echo "bench/forward.sh: open-file limit $(ulimit -n) is too low for $idle idle connections" >&2
  exit 1
fi

work=$(mktemp -d /tmp/sb-forward-XXXXXX)
pids=()
kill_tree() { # a process this script started, and the children it forked (socat)
  local p=$1 c
  for c in $(pgrep -P "$p" 2>/dev/null); do kill "$c" 2>/dev/null || true; done
  kill "$p" 2>/dev/null || true
}
cleanup() {
  local p
  for p in "${pids[@]}"; do kill_tree "$p"; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started() { pids+=("$1"); }
stop() {
  local p=$1 q keep=()
  kill_tree "$p"
  wait "$p" 2>/dev/null || true
  for q in "${pids[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done
  pids=("${keep[@]}")
}
log() { echo "$*" >&2; }
fail() { echo "bench/forward.sh: $*" >&2; exit 1; }

wait_listen() { # TCP port listening on 127.0.0.1 (no probe connection: iperf3 -s would log it)
  local hex; hex=$(printf '%04X' "$1")
  for _ in $(seq 200); do
    grep -q "^ *[0-9]*: 0100007F:$hex 00000000:0000 0A" /proc/net/tcp && return 0
    sleep 0.05
  done
  fail "nothing listens on 127.0.0.1:$1"
}
port_free() {
  local hex; hex=$(printf '%04X' "$1")
  ! grep -q "^ *[0-9]*: [0-9A-F]*:$hex [0-9A-F]*:0000 0A" /proc/net/tcp
}

gcc -O2 -Wall -pthread -o "$work/netbench" "$here/netbench.c"
nb=$work/netbench

# ---- ports ----
p_iperf=$base; p_echo=$((base + 1)); sink=$work/sink.sock
declare -A p_tcp p_unix p_rtt p_mem
p_tcp[direct]=$p_iperf; p_rtt[direct]=$p_echo
i=10
for peer in socketbridge proxyd socat; do
  p_tcp[$peer]=$((base + i)); p_unix[$peer]=$((base + i + 1)); p_rtt[$peer]=$((base + i + 2)); p_mem[$peer]=$((base + i + 3))
  i=$((i + 10))
done
for p in $p_iperf $p_echo "${p_tcp[@]}" "${p_unix[@]}" "${p_rtt[@]}" "${p_mem[@]}"; do
  port_free "$p" || fail "port $p is already in use (set BENCH_PORT_BASE)"
done

# ---- backends ----
iperf3 -s -B 127.0.0.1 -p "$p_iperf" >"$work/iperf3-server.log" 2>&1 & started $!
"$nb" echo "tcp:127.0.0.1:$p_echo" "$work/echo.count" >"$work/echo.log" 2>&1 & started $!; echo_pid=$!
"$nb" sink "unix:$sink" >"$work/sink.out" 2>"$work/sink.log" & started $!
wait_listen "$p_iperf"; wait_listen "$p_echo"
for _ in $(seq 100); do [[ -S $sink ]] && break; sleep 0.05; done
[[ -S $sink ]] || fail "the sink did not start"
live() { local n; n=$(tr -dc 0-9 <"$work/echo.count"); echo "${n:-0}"; }

# ---- relays ----
# start_relay PEER PORT TARGET NAME: sets relay_pid, the process to measure
start_relay() {
  local peer=$1 port=$2 target=$3 name=$4 pid
  case $peer in
    socketbridge)
      local sbtarget=$target
      [[ $target == /* ]] && sbtarget=unix:$target || sbtarget=tcp:$target
      cat >"$work/$name.json" <<JSON
{ "SocketBridge": { "LogLevel": "Warning" },
  "Bridges": { "$name": { "Listen": "tcp:127.0.0.1:$port", "Target": "$sbtarget", "MaxConnections": 5000 } } }
JSON
      "$sb" run -c "$work/$name.json" >>"$work/socketbridge.log" 2>&1 & pid=$!
      ;;
    proxyd)
      systemd-socket-activate -l "127.0.0.1:$port" "$proxyd" --connections-max=5000 "$target" >>"$work/proxyd.log" 2>&1 & pid=$!
      ;;
    socat)
      local st=TCP:$target
      [[ $target == /* ]] && st=UNIX-CONNECT:$target
      socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr,backlog=4096" "$st" >>"$work/socat.log" 2>&1 & pid=$!
      ;;
  esac
  started "$pid"
  wait_listen "$port"
  relay_pid=$pid
}

declare -A pid_tcp pid_rtt
for peer in $peers; do
  [[ $peer == direct ]] && continue
  [[ -v p_mem[$peer] ]] || fail "unknown peer $peer (direct, socketbridge, proxyd, socat)"
  start_relay "$peer" "${p_tcp[$peer]}" "127.0.0.1:$p_iperf" tcp; pid_tcp[$peer]=$relay_pid
  start_relay "$peer" "${p_unix[$peer]}" "$sink" unix
  start_relay "$peer" "${p_rtt[$peer]}" "127.0.0.1:$p_echo" echo; pid_rtt[$peer]=$relay_pid
done
# proxyd is exec'd by systemd-socket-activate at the first connection: make it so now
for peer in $peers; do
  [[ $peer == direct ]] || "$nb" connrate "tcp:127.0.0.1:${p_rtt[$peer]}" 20 1 >/dev/null
done

results=$work/results
: >"$results"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }

# CPU time of a relay, ns: every thread of PID and of its children
# (/proc/*/task/*/schedstat), plus what its reaped children used (cutime and
# cstime: socat's exited connection processes). 0 for direct.
cpu_ns() {
  [[ $1 == direct ]] && { echo 0; return; }
  local p=$1 c procs=("$1") run=0 reaped
  for c in $(pgrep -P "$p" 2>/dev/null); do procs+=("$c"); done
  for c in "${procs[@]}"; do
    run=$((run + $(cat /proc/"$c"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}')))
  done
  reaped=$(awk '{sub(/^.*\) /, ""); print $14 + $15}' /proc/"$p"/stat 2>/dev/null || echo 0)
  echo $((run + reaped * 1000000000 / $(getconf CLK_TCK)))
}

# User and system time of a relay, clock ticks ("USER SYSTEM"): PID and its
# children, live (utime, stime) and reaped (cutime, cstime). How much of a
# relay's CPU the kernel spends (TCP, splice) against its own code.
cpu_split() {
  [[ $1 == direct ]] && { echo "0 0"; return; }
  local c procs=("$1")
  for c in $(pgrep -P "$1" 2>/dev/null); do procs+=("$c"); done
  for c in "${procs[@]}"; do cat /proc/"$c"/stat 2>/dev/null; done |
    awk '{sub(/^.*\) /, ""); u += $12 + $14; s += $13 + $15} END {printf "%d %d\n", u, s}'
}

# ---- measurements: each sets $v (and $v2) ----
m_tcp() { # PEER: iperf3 Gbit/s at the receiver
  local try out
  for try in 1 2 3; do
    if out=$(iperf3 -c 127.0.0.1 -p "${p_tcp[$1]}" -n "$size" -J 2>&1) &&
      v=$(python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' <<<"$out"); then
      return 0
    fi
    log "  iperf3 through $1 failed (try $try): $(grep -o '"error":.*' <<<"$out" | head -1)"
    sleep 1
  done
  fail "iperf3 through $1 failed 3 times"
}
m_unix() { # PEER: Gbit/s, end to end (until the sink has read EOF and closed)
  local addr=unix:$sink before out got
  [[ $1 == direct ]] || addr=tcp:127.0.0.1:${p_unix[$1]}
  before=$(wc -l <"$work/sink.out")
  out=$("$nb" send "$addr" "$bytes") || fail "tcp->unix through $1 failed"
  for _ in $(seq 100); do (($(wc -l <"$work/sink.out") > before)) && break; sleep 0.02; done
  got=$(tail -n 1 "$work/sink.out")
  ((got == bytes)) || fail "tcp->unix through $1: the sink got $got bytes of $bytes"
  v=${out#* }
}
m_rtt() { # all peers at once (netbench rttmix): median and p99 of one slice each, us; the relays' CPU time
  local peer addrs=() out i=0 c0=() c1=() line
  for peer in "${order[@]}"; do
    addrs+=("tcp:127.0.0.1:${p_rtt[$peer]}")
    c0+=("$(cpu_ns "${pid_rtt[$peer]:-direct}")")
  done
  out=$("$nb" rttmix "$((rtt_count / rtt_slices))" "${addrs[@]}") || fail "round trips failed: $out"
  for peer in "${order[@]}"; do c1+=("$(cpu_ns "${pid_rtt[$peer]:-direct}")"); done
  v=""
  while read -r line; do
    peer=${order[i]}
    record rtt50 "$peer" "${line% *}"; record rtt99 "$peer" "${line#* }"
    rtt_cpu[$peer]=$((${rtt_cpu[$peer]:-0} + ${c1[i]} - ${c0[i]}))
    v+=" $peer ${line% *} ${line#* };"
    i=$((i + 1))
  done <<<"$out"
}
m_conn() { # PEER: connections/s; and the CPU time per connection (µs) of the relay, the client and the echo server
  local out r0 r1 e0 e1 cu cs u0 s0 u1 s1
  r0=$(cpu_ns "${pid_rtt[$1]:-direct}"); e0=$(cpu_ns "$echo_pid"); read -r u0 s0 < <(cpu_split "${pid_rtt[$1]:-direct}")
  out=$(/usr/bin/time -f '%U %S' -o "$work/conn.time" "$nb" connrate "tcp:127.0.0.1:${p_rtt[$1]}" "$conns" "$workers") || fail "short connections through $1: $out (rate, errors)"
  r1=$(cpu_ns "${pid_rtt[$1]:-direct}"); e1=$(cpu_ns "$echo_pid"); read -r u1 s1 < <(cpu_split "${pid_rtt[$1]:-direct}")
  v=${out% *}
  [[ $1 == direct ]] || { record usr_conn "$1" $((u1 - u0)); record sys_conn "$1" $((s1 - s0)); }
  read -r cu cs < <(tail -n 1 "$work/conn.time")
  [[ $1 == direct ]] || record cpu_conn "$1" "$(bc -l <<<"($r1 - $r0) / 1000 / $conns")"
  record cpu_conn_ends "$1" "$(bc -l <<<"($cu + $cs) * 1000000 / $conns + ($e1 - $e0) / 1000 / $conns")"
}
rss_kib() { # PID: VmRSS and Pss, KiB, summed over PID and its children
  local files=(/proc/"$1"/status) smaps=(/proc/"$1"/smaps_rollup) c
  for c in $(pgrep -P "$1" 2>/dev/null); do files+=(/proc/"$c"/status); smaps+=(/proc/"$c"/smaps_rollup); done
  echo "$(awk '/^VmRSS:/ {s += $2} END {print s + 0}' "${files[@]}" 2>/dev/null) $(awk '/^Pss:/ {s += $2} END {print s + 0}' "${smaps[@]}" 2>/dev/null)"
}
m_mem() { # PEER: MiB added (RSS, PSS) by IDLE idle connections, on a fresh relay
  local peer=$1 port=${p_mem[$1]} pid hold base0 before after t0
  start_relay "$peer" "$port" "127.0.0.1:$p_echo" mem; pid=$relay_pid
  "$nb" connrate "tcp:127.0.0.1:$port" 50 2 >/dev/null || fail "warm-up through $peer failed"
  sleep 1
  base0=$(live)
  before=$(rss_kib "$pid")
  "$nb" hold "tcp:127.0.0.1:$port" "$idle" >"$work/hold.out" 2>"$work/hold.log" & hold=$!
  started "$hold"
  t0=$SECONDS
  until (($(live) >= base0 + idle)) && grep -q ready "$work/hold.out"; do
    kill -0 "$hold" 2>/dev/null || fail "idle connections through $peer: $(cat "$work/hold.log")"
    ((SECONDS - t0 < 120)) || fail "idle connections through $peer: the backend has $(($(live) - base0)) of $idle after 120 s"
    sleep 0.1
  done
  sleep 1
  after=$(rss_kib "$pid")
  stop "$hold"
  stop "$pid"
  t0=$SECONDS
  until (($(live) <= base0)) || ((SECONDS - t0 > 30)); do sleep 0.1; done
  read -r v v2 < <(python3 -c 'import sys; b = sys.argv[1].split(); a = sys.argv[2].split(); print("%.2f %.2f" % ((int(a[0]) - int(b[0])) / 1024, (int(a[1]) - int(b[1])) / 1024))' "$before" "$after")
}

start=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
read -r -a order <<<"$peers"
# The peers in turn, rotated by $1: over the slices of a round each peer takes
# each place as often, so a busy or quiet moment of the machine (or the state
# the previous measurement left its CPUs in) does not favour one of them.
rotated() {
  local n=${#order[@]} i
  turn=()
  for ((i = 0; i < n; i++)); do turn+=("${order[(i + $1) % n]}"); done
}
for r in $(seq "$rounds"); do
  for k in $(seq "$tp_slices"); do
    rotated $((r + k))
    for peer in "${turn[@]}"; do
      c0=$(cpu_ns "${pid_tcp[$peer]:-direct}"); read -r u0 s0 < <(cpu_split "${pid_tcp[$peer]:-direct}")
      m_tcp "$peer"; record tcp "$peer" "$v"
      c1=$(cpu_ns "${pid_tcp[$peer]:-direct}"); read -r u1 s1 < <(cpu_split "${pid_tcp[$peer]:-direct}")
      if [[ $peer != direct ]]; then
        record cpu_tcp "$peer" "$(bc -l <<<"($c1 - $c0) / 1000000 / ($bytes / 1073741824)")"
        record usr_tcp "$peer" $((u1 - u0)); record sys_tcp "$peer" $((s1 - s0))
      fi
      log "round $r/$rounds slice $k/$tp_slices $peer: tcp->tcp $v Gbit/s"
    done
  done
  for k in $(seq "$tp_slices"); do
    rotated $((r + k))
    for peer in "${turn[@]}"; do
      m_unix "$peer"; record unix "$peer" "$v"; log "round $r/$rounds slice $k/$tp_slices $peer: tcp->unix $v Gbit/s"
    done
  done
  declare -A rtt_cpu=()
  for k in $(seq "$rtt_slices"); do
    m_rtt
    log "round $r/$rounds slice $k/$rtt_slices: round trip median and p99 (us): $v"
  done
  rotated "$r"
  for peer in "${turn[@]}"; do
    [[ $peer == direct ]] || record cpu_rtt "$peer" "$(bc -l <<<"${rtt_cpu[$peer]} / 1000000 / ($rtt_slices * ($rtt_count / $rtt_slices) / 10000)")"
  done
  for peer in "${turn[@]}"; do
    m_conn "$peer"; record conn "$peer" "$v"; log "round $r/$rounds $peer: $v connections/s"
  done
  for peer in "${turn[@]}"; do
    [[ $peer == direct ]] && continue
    m_mem "$peer"; record rss "$peer" "$v"; record pss "$peer" "$v2"
    log "round $r/$rounds $peer: $idle idle connections: +$v MiB RSS, +$v2 MiB PSS"
  done
done
elapsed=$((SECONDS - start))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
log "forward benchmark: $elapsed s"

python3 - "$results" "$peers" "$rounds" "$size" "$rtt_count" "$conns" "$workers" "$idle" "$elapsed" "$load_start" "$load_end" "$rtt_slices" "$tp_slices" <<'PY'
import statistics, sys
path, peers, rounds, size, rtt_count, conns, workers, idle, elapsed, load_start, load_end, rtt_slices, tp_slices = sys.argv[1:]
cpus = len(__import__("os").sched_getaffinity(0))
peers = peers.split()
data = {}
for line in open(path):
    metric, peer, value = line.rstrip("\n").split("\t")
    data.setdefault((metric, peer), []).append(float(value))
med = lambda m, p: statistics.median(data[(m, p)]) if (m, p) in data else None
names = {"direct": "direct", "socketbridge": "socketbridge", "proxyd": "systemd-socket-proxyd", "socat": "socat"}
order = [p for p in ("direct", "socketbridge", "proxyd", "socat") if p in peers]

def human(size):
    units = {"K": "KiB", "M": "MiB", "G": "GiB"}
    return f"{size[:-1]} {units[size[-1].upper()]}" if size[-1].upper() in units else f"{size} bytes"

def fmt(v, digits):
    return "—" if v is None else f"{v:,.{digits}f}"

rows = []
def throughput(metric, label):
    d, px, sb = med(metric, "direct"), med(metric, "proxyd"), med(metric, "socketbridge")
    cells = []
    for p in order:
        v = med(metric, p)
        cells.append(fmt(v, 2) if p == "direct" or d is None else f"{fmt(v, 2)} ({v / d:.2f}×)")
    ratio = f"{sb / px:.2f}×" if sb and px else "—"
    target = ("met" if sb / px >= 1.10 else "**missed**") if sb and px else "—"
    rows.append((label, cells, ratio, f"≥ 1.10× proxyd (issue 21): {target}"))
def latency(metric, label):
    d, px, sb = med(metric, "direct"), med(metric, "proxyd"), med(metric, "socketbridge")
    cells = []
    for p in order:
        v = med(metric, p)
        cells.append(fmt(v, 1) if p == "direct" or d is None else f"{fmt(v, 1)} (+{v - d:.1f})")
    if None not in (d, px, sb):
        ratio = f"+{sb - d:.1f} vs +{px - d:.1f}"
        target = "met" if sb - d <= px - d else "**missed**"
    else:
        ratio, target = "—", "—"
    rows.append((label, cells, ratio, f"added ≤ proxyd's: {target}"))
def verdict(ok):
    return "met" if ok else "**missed**"
def rate(metric, label, least=None):
    d, px, sb = med(metric, "direct"), med(metric, "proxyd"), med(metric, "socketbridge")
    cells = [fmt(med(metric, p), 0) if p == "direct" or d is None else f"{fmt(med(metric, p), 0)} ({med(metric, p) / d:.2f}×)" for p in order]
    target = "—" if least is None or not (sb and px) else f"≥ {least:.2f}× proxyd (issue 21): {verdict(sb / px >= least)}"
    rows.append((label, cells, f"{sb / px:.2f}×" if sb and px else "—", target))
def cpu(metric, label, most=None):
    px, sb = med(metric, "proxyd"), med(metric, "socketbridge")
    cells = ["—" if p == "direct" else fmt(med(metric, p), 1) for p in order]
    target = "— (lower is better)" if most is None or not (sb and px) else f"≤ {most:.2f}× proxyd (issue 21): {verdict(sb / px <= most)}"
    rows.append((label, cells, f"{sb / px:.2f}×" if sb and px else "—", target))
def memory(metric, label, each):
    px, sb = med(metric, "proxyd"), med(metric, "socketbridge")
    n = int(idle)
    cells = ["—" if p == "direct" else f"{fmt(med(metric, p), 1)} ({med(metric, p) * 1024 / n:.1f} KiB each)" for p in order]
    ratio = f"{sb / px:.2f}×" if sb is not None and px else "—"
    target = "—" if each is None or sb is None else f"≤ {each} KiB each (issue 21): " + verdict(sb * 1024 / n <= each)
    rows.append((label, cells, ratio, target))

throughput("tcp", f"throughput tcp→tcp, {human(size)}, iperf3 (Gbit/s)")
throughput("unix", f"throughput tcp→unix, {human(size)} (Gbit/s)")
latency("rtt50", "1-byte round trip, median (µs)")
latency("rtt99", "1-byte round trip, p99 (µs)")
rate("conn", f"short connections/s ({workers} clients)", 1.50)
cpu("cpu_tcp", f"relay CPU time, tcp→tcp (ms per GiB)", 0.80)
def kernel_share(label):
    def share(p):
        u, k = sum(data.get(("usr_tcp", p), [])), sum(data.get(("sys_tcp", p), []))
        return None if p == "direct" or u + k == 0 else k / (u + k)
    cells = ["—" if share(p) is None else f"{100 * share(p):.0f} %" for p in order]
    rows.append((label, cells, "—", "— (the kernel's TCP and splice work is the same for any relay)"))
kernel_share("of which in the kernel, tcp→tcp (system time over user + system, all transfers)")
cpu("cpu_conn", f"relay CPU time per short connection (µs)")
def conn_floor():
    # With every CPU busy, a rate can at most reach nproc CPU-seconds a second
    # over the CPU time of one connection (client, echo server and relay).
    px = med("conn", "proxyd")
    def kernel(p): # the relay's system time over its user + system time, all rounds
        u, k = sum(data.get(("usr_conn", p), [])), sum(data.get(("sys_conn", p), []))
        return k / (u + k) if u + k else 1.0
    def most(p, relay):
        ends = med("cpu_conn_ends", p)
        cpu = (ends or 0) + (med("cpu_conn", p) or 0) * relay(p)
        return None if p == "direct" or not px or not ends else cpus * 1e6 / cpu / px
    for label, relay in (("short connections: the most the CPUs allow at this CPU per connection (client, echo server, relay), × proxyd's rate", lambda p: 1.0),
                         ("the same if the relay's own code took no CPU (its time in the kernel only)", kernel),
                         ("the same if the relay took no CPU at all", lambda p: 0.0)):
        cells = ["—" if most(p, relay) is None else f"{most(p, relay):.2f}×" for p in order]
        rows.append((label, cells, "—", "— (a guide: it assumes the work spreads over every CPU)"))
conn_floor()
cpu("cpu_rtt", f"relay CPU time, round trips (ms per 10,000)")
memory("rss", f"memory added, {idle} idle connections, RSS (MiB)", 1.5)
memory("pss", f"memory added, {idle} idle connections, PSS (MiB)", None)

print(f"| forward, medians ({rounds} rounds) | " + " | ".join(names[p] for p in order) + " | socketbridge vs proxyd | target |")
print("| --- | " + " | ".join("---:" for _ in order) + " | ---: | --- |")
for label, cells, ratio, target in rows:
    print(f"| {label} | " + " | ".join(cells) + f" | {ratio} | {target} |")
print()
print(f"Throughput: {int(rounds) * int(tp_slices)} transfers each, in turns; in parentheses: × direct. Round trips: µs added to direct. "
      f"Round trips: {rtt_count} a round on one connection to each peer, all peers in a new random order each trip "
      f"(netbench rttmix), in {rtt_slices} slices; each slice's median and p99 is a sample (the table: the median of {int(rounds) * int(rtt_slices)}). "
      f"Short connections: {conns} in all. "
      f"Relay CPU time: user and system time of all the relay's threads and processes while it worked. "
      f"Memory: the relay's growth (socat: its listener plus every forked child) between "
      f"a warmed-up start and {idle} connections held idle, each accepted by the backend. "
      f"The run took {elapsed} s; load average {load_start} at its start, {load_end} at its end.")
print()
print("<details><summary>every round</summary>")
print()
print("| measurement | " + " | ".join(names[p] for p in order) + " |")
print("| --- | " + " | ".join("---" for _ in order) + " |")
for metric, label in (("tcp", "tcp→tcp Gbit/s"), ("unix", "tcp→unix Gbit/s"), ("rtt50", "round trip median µs"),
                      ("rtt99", "round trip p99 µs"), ("conn", "connections/s"), ("cpu_conn", "relay CPU µs per short connection"),
                      ("cpu_conn_ends", "client and echo server CPU µs per short connection"), ("cpu_tcp", "relay CPU ms per GiB tcp→tcp"),
                      ("cpu_rtt", "relay CPU ms per 10,000 round trips"), ("rss", "RSS added MiB"), ("pss", "PSS added MiB")):
    print(f"| {label} | " + " | ".join(", ".join(f"{v:g}" for v in data.get((metric, p), [])) or "—" for p in order) + " |")
print()
print("</details>")
PY
