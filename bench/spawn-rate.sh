#!/usr/bin/env bash
# Spawn rate, side by side in one run: ab (no keep-alive, so every request is
# a new connection and a new process) against a tiny C HTTP responder
# launched by socketbridge and by tcpserver. Prints a Markdown table.
#   bench/spawn-rate.sh [requests] [concurrency] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n=${1:-3000}; c=${2:-4}; rounds=${3:-3}
work=$(mktemp -d /tmp/sb-bench-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for tool in ab tcpserver gcc; do command -v $tool >/dev/null || { echo "needs $tool (apt-get install apache2-utils ucspi-tcp gcc)" >&2; exit 1; }; done
gcc -O2 -o "$work/http-ok" "$here/http-ok.c"
sb=${SOCKETBRIDGE_BIN:-$root/out/socketbridge}

wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 not ready" >&2; exit 1; }

cat > "$work/sb.json" <<JSON
{ "SocketBridge": { "LogLevel": "Warning" },
  "Bridges": { "http": { "Listen": "tcp:127.0.0.1:47801", "MaxConnections": 1000, "StandardError": "null", "Exec": ["$work/http-ok"] } } }
JSON
"$sb" run -c "$work/sb.json" 2>"$work/sb.log" & pids+=($!)
tcpserver -RHl0 -c 1000 127.0.0.1 47802 "$work/http-ok" 2>/dev/null & pids+=($!)
wait_port 47801; wait_port 47802

rate() { ab -q -n "$n" -c "$c" "http://127.0.0.1:$1/" 2>/dev/null | awk '/Requests per second/ {print $4} /Failed requests/ {f=$3} END {if (f != 0) print "FAILED " f > "/dev/stderr"}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A results
for r in $(seq "$rounds"); do
  results[sb]+="$(rate 47801) "
  results[tcpserver]+="$(rate 47802) "
done
sbm=$(echo ${results[sb]} | tr ' ' '\n' | median)
tsm=$(echo ${results[tcpserver]} | tr ' ' '\n' | median)
echo "| launcher (ab -n $n -c $c, median of $rounds) | requests/s | vs tcpserver |"
echo "| --- | ---: | ---: |"
printf '| socketbridge spawn | %.0f | %.2f× |\n' "$sbm" "$(echo "$sbm / $tsm" | bc -l)"
printf '| tcpserver -RHl0 | %.0f | 1.00× |\n' "$tsm"
