#!/usr/bin/env bash
# What the metrics cost (issue 19): the same daemon with SocketBridge:Metrics
# off and on, side by side in one run, the one with metrics scraped once a
# second throughout (bench/scrape.py, one GET /metrics a second on a kept-alive
# connection, as Prometheus does). Each daemon has a spawn bridge launching
# bench/http-ok.c and a forward bridge to iperf3 -s. A third daemon, metrics
# off again, gives the noise: how far two identical daemons drift apart in
# the same rounds. Prints Markdown tables on stdout, progress on stderr.
#
# Per round, every daemon in an order that rotates from round to round (a
# busy moment of the machine falls on all of them alike):
#   - spawn rate: ab -n REQUESTS -c CONCURRENCY without keep-alive (a new
#     connection and a new process per request), then half a second's pause;
#   - relay throughput: iperf3 -c -n BENCH_METRICS_SIZE through the forward
#     bridge (Gbit/s at the receiver), BENCH_METRICS_SLICES transfers a round
#     each, the daemons taking turns;
#   - and for each, the CPU time of the daemon's threads (its launched
#     programs are not its threads), less noisy than the rates, and in the
#     metrics-on daemon including the scrapes that fell in the measurement.
# Medians, the ratio on ÷ off of the medians and the median of the per-round
# ratios; the target is at least 0.98× for both rates.
#
#   bench/metrics.sh [REQUESTS] [CONCURRENCY] [ROUNDS]     (default 2000 4 15)
# Environment: SOCKETBRIDGE_BIN (default out/publish/socketbridge, the
# NativeAOT build), BENCH_METRICS_SIZE (iperf3 -n syntax, default 4G: a
# transfer of a second or more, whose rate varies less than a 1G one),
# BENCH_METRICS_SLICES (default 2),
# BENCH_METRICS_PORT_BASE (default 28841: the daemons' bridges at base,
# base+1, base+10, base+11, base+20, base+21, the metrics endpoint at base+19,
# iperf3 -s at base+30; below the ephemeral range, where a client socket of
# an earlier run could hold a port).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n=${1:-2000}; c=${2:-4}; rounds=${3:-15}
size=${BENCH_METRICS_SIZE:-4G}
slices=${BENCH_METRICS_SLICES:-2}
base=${BENCH_METRICS_PORT_BASE:-28841}
sb=${SOCKETBRIDGE_BIN:-$root/out/publish/socketbridge}
for tool in ab gcc iperf3 python3; do
  command -v $tool >/dev/null || { echo "bench/metrics.sh: needs $tool (make bench-deps)" >&2; exit 1; }
done
[[ -x $sb ]] || { echo "bench/metrics.sh: no $sb: run 'make publish' first, or set SOCKETBRIDGE_BIN" >&2; exit 1; }

work=$(mktemp -d /tmp/sb-metrics-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log() { echo "$*" >&2; }
fail() { echo "bench/metrics.sh: $*" >&2; exit 1; }

gcc -O2 -static -o "$work/http-ok" "$here/http-ok.c" 2>/dev/null || gcc -O2 -o "$work/http-ok" "$here/http-ok.c"
prog=$work/http-ok

keys=(off on same)
declare -A label port metrics
label[off]="metrics off";                                port[off]=$base
label[on]="metrics on, scraped every second";            port[on]=$((base + 10)); metrics[on]="tcp:127.0.0.1:$((base + 19))"
label[same]="metrics off again (a third daemon: the noise)"; port[same]=$((base + 20))
p_iperf=$((base + 30))
scrape_url="http://127.0.0.1:$((base + 19))/metrics"

wait_listen() { # TCP port listening on 127.0.0.1 (no probe connection: iperf3 -s would log it)
  local hex; hex=$(printf '%04X' "$1")
  for _ in $(seq 400); do
    grep -q "^ *[0-9]*: 0100007F:$hex 00000000:0000 0A" /proc/net/tcp && return 0
    sleep 0.025
  done
  fail "nothing listens on 127.0.0.1:$1"
}

iperf3 -s -B 127.0.0.1 -p "$p_iperf" >"$work/iperf3-server.log" 2>&1 &
pids+=($!)
wait_listen "$p_iperf"

# The same configuration for all three, but for SocketBridge:Metrics. At
# Warning nothing is logged per connection; programs run as the user running
# the bench (User is required as root).
declare -A pid
for k in "${keys[@]}"; do
  cat > "$work/$k.json" <<JSON
{ "SocketBridge": { "LogLevel": "Warning", "ControlSocket": "$work/$k.control"${metrics[$k]:+, \"Metrics\": \"${metrics[$k]}\"} },
  "Bridges": {
    "http": { "Listen": "tcp:127.0.0.1:${port[$k]}", "MaxConnections": 1000, "StandardError": "null", "User": "$(id -un)", "Exec": ["$prog"] },
    "relay": { "Listen": "tcp:127.0.0.1:$((port[$k] + 1))", "Target": "tcp:127.0.0.1:$p_iperf", "MaxConnections": 5000 } } }
JSON
  "$sb" run -c "$work/$k.json" >"$work/$k.stdout" 2>"$work/$k.stderr" &
  pid[$k]=$!; pids+=($!)
done
for k in "${keys[@]}"; do wait_listen "${port[$k]}"; wait_listen $((port[$k] + 1)); done
wait_listen $((base + 19))
python3 "$here/scrape.py" "$scrape_url" "$work/scrape" "${pid[on]}" 2>"$work/scrape.log" &
scraper=$!; pids+=($scraper)
sleep 1
for k in "${keys[@]}"; do
  kill -0 "${pid[$k]}" 2>/dev/null || { log "bench/metrics.sh: ${label[$k]} exited:"; tail -n 5 "$work/$k.stderr" >&2; exit 1; }
done

# The CPU time of every thread of PID, in ns (/proc/PID/task/*/schedstat).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
rotate() { # ROUND KEY...: the keys, starting at ROUND modulo their count
  local r=$1; shift; local a=("$@") i
  for ((i = 0; i < ${#a[@]}; i++)); do echo "${a[$(((i + r) % ${#a[@]}))]}"; done
}
to_bytes() {
  local v=${1%[KkMmGg]} u=${1: -1}
  case $u in K|k) echo $((v << 10));; M|m) echo $((v << 20));; G|g) echo $((v << 30));; *) echo "$1";; esac
}
bytes=$(to_bytes "$size")

log "bench/metrics.sh: ab -n $n -c $c and iperf3 -n $size, $rounds rounds of ${#keys[@]} daemons, one scraped every second"
declare -A rates gbits spawn_cpu relay_cpu
failures=0
for r in $(seq "$rounds"); do
  for k in $(rotate "$r" "${keys[@]}"); do
    before=$(cpu_ns "${pid[$k]}")
    ab -r -q -n "$n" -c "$c" "http://127.0.0.1:${port[$k]}/" > "$work/ab.txt" 2>&1 || true
    after=$(cpu_ns "${pid[$k]}")
    rps=$(awk '/^Requests per second:/ {print $4}' "$work/ab.txt")
    complete=$(awk '/^Complete requests:/ {print $3}' "$work/ab.txt")
    bad=$(awk '/^Failed requests:/ {f = $3} /^Non-2xx responses:/ {x = $3} END {print f + x}' "$work/ab.txt")
    if [[ -z $rps || ${complete:-0} -ne $n ]]; then
      log "bench/metrics.sh: ab against ${label[$k]} did not complete $n requests:"; tail -n 5 "$work/ab.txt" >&2
      bad=$((n - ${complete:-0} + bad)); rps=${rps:-0}
    fi
    failures=$((failures + bad))
    rates[$k]+="$rps "
    spawn_cpu[$k]+="$(awk -v d=$((after - before)) -v n="$n" 'BEGIN {printf "%.1f", d / 1e6 / n * 1000}') "
    log "  round $r/$rounds: ${label[$k]}: $rps requests/s, $bad failed"
    sleep 0.5
  done
  for sl in $(seq "$slices"); do
  for k in $(rotate $((r + sl)) "${keys[@]}"); do
    v=""
    for try in 1 2 3; do
      before=$(cpu_ns "${pid[$k]}")
      if out=$(iperf3 -c 127.0.0.1 -p $((port[$k] + 1)) -n "$size" -J 2>&1) &&
        v=$(python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))' <<<"$out"); then
        after=$(cpu_ns "${pid[$k]}")
        break
      fi
      log "  iperf3 through ${label[$k]} failed (try $try)"; v=""; sleep 1
    done
    [[ -n $v ]] || fail "iperf3 through ${label[$k]} failed 3 times"
    gbits[$k]+="$v "
    relay_cpu[$k]+="$(awk -v d=$((after - before)) -v b="$bytes" 'BEGIN {printf "%.1f", d / 1e6 / (b / 1073741824)}') "
    log "  round $r/$rounds: ${label[$k]}: $v Gbit/s"
  done
  done
done

kill -TERM "$scraper"; wait "$scraper" 2>/dev/null || true
read -r scrapes scrape_failed scrape_ms scrape_bytes scrape_cpu < "$work/scrape" || fail "the scraper wrote nothing: $(tail -n 3 "$work/scrape.log")"
# What the last scrape counted for the spawn bridge, against what ab sent it.
counted() { awk -v f="$1" -v l="$2" 'index($0, f "{") == 1 && index($0, l) {print $NF}' "$work/scrape.last"; }
accepted=$(counted socketbridge_connections_accepted_total 'bridge="http"')
launched=$(counted socketbridge_programs_launched_total 'bridge="http"')
exited=$(counted socketbridge_program_exits_total 'bridge="http",mode="spawn",outcome="status0"')
for k in "${keys[@]}"; do
  kill -0 "${pid[$k]}" 2>/dev/null || fail "${label[$k]} exited during the run: $(tail -n 3 "$work/$k.stderr")"
done

# --- the table -------------------------------------------------------------
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
med() { echo $1 | tr ' ' '\n' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f×", (b > 0) ? a / b : 0}'; }
per_round() { # SERIES_A SERIES_B: the per-round ratios a/b
  paste -d' ' <(echo $1 | tr ' ' '\n') <(echo $2 | tr ' ' '\n') | awk '$2 > 0 {print $1 / $2}'
}
fmt() { awk -v v="$1" 'BEGIN {printf "%.0f", v}' | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
verdict() { if awk -v v="$1" -v t="$2" 'BEGIN {exit !(v >= t)}'; then echo met; else echo "**missed**"; fi; }
row() { # LABEL SERIES_OFF SERIES_ON SERIES_SAME FORMAT TARGET?
  local off on same
  off=$(med "$2"); on=$(med "$3"); same=$(med "$4")
  local target="— (lower is better)"
  [[ -n ${6:-} ]] && target="≥ 0.98×: $(verdict "$(awk -v a="$on" -v b="$off" 'BEGIN {print (b > 0) ? a / b : 0}')" 0.98)"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$($5 "$off")" "$($5 "$on")" "$(ratio "$on" "$off")" \
    "$(printf '%.3f×' "$(per_round "$3" "$2" | median)")" "$(ratio "$same" "$off")" "$target"
}
two() { printf '%.2f' "$1"; }
one() { printf '%.1f' "$1"; }
echo "| metrics (ab -n $n -c $c, no keep-alive, $rounds rounds; iperf3 -n $size, $slices a round; medians, the daemons taking turns) | metrics off | metrics on, scraped every second | on ÷ off, medians | on ÷ off, median of the per-round ratios | off again ÷ off (the noise) | target |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
row "spawn rate (requests/s)" "${rates[off]}" "${rates[on]}" "${rates[same]}" fmt yes
row "relay throughput tcp→tcp (Gbit/s)" "${gbits[off]}" "${gbits[on]}" "${gbits[same]}" two yes
row "daemon CPU time per 1,000 spawns (ms)" "${spawn_cpu[off]}" "${spawn_cpu[on]}" "${spawn_cpu[same]}" one
row "daemon CPU time per GiB relayed (ms)" "${relay_cpu[off]}" "${relay_cpu[on]}" "${relay_cpu[same]}" one
echo
echo "Scrapes: $scrapes during the run (one a second), $scrape_failed failed, a scrape's median $(printf '%.2f' "$scrape_ms") ms and $(fmt "$scrape_bytes") bytes at the end. A scrape costs the daemon $scrape_cpu µs of CPU (500 in a row after the rounds): at one a second, $(awk -v u="$scrape_cpu" 'BEGIN {printf "%.3f", u / 1e4}') % of a CPU. The last scrape counted, for the metrics-on daemon's spawn bridge, $(fmt "${accepted:-0}") connections accepted, $(fmt "${launched:-0}") programs launched and $(fmt "${exited:-0}") exited with status 0, for the $(fmt $((n * rounds))) requests ab completed (ab now and then opens a connection more than it counts, which the daemon serves and counts too). Failed requests: $failures in all. Daemon CPU time: every thread of the daemon (/proc/PID/task/*/schedstat) over each measurement, scrapes included; not its launched programs. The run took $(( $(date +%s) - started )) s; load average $load_start at its start, $(cut -d' ' -f1-3 /proc/loadavg) at its end."
echo
echo "<details><summary>every round</summary>"
echo
echo "| measurement | every round, in order |"
echo "| --- | --- |"
for k in "${keys[@]}"; do echo "| ${label[$k]}, requests/s | $(echo ${rates[$k]} | sed 's/ /, /g') |"; done
for k in "${keys[@]}"; do echo "| ${label[$k]}, Gbit/s | $(echo ${gbits[$k]} | sed 's/ /, /g') |"; done
for k in "${keys[@]}"; do echo "| ${label[$k]}, daemon CPU ms per 1,000 spawns | $(echo ${spawn_cpu[$k]} | sed 's/ /, /g') |"; done
for k in "${keys[@]}"; do echo "| ${label[$k]}, daemon CPU ms per GiB | $(echo ${relay_cpu[$k]} | sed 's/ /, /g') |"; done
echo
echo "</details>"
