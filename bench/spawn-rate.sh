#!/usr/bin/env bash
# Spawn mode against the inetd-style launchers, side by side in one run:
# socketbridge (a spawn bridge), tcpserver -RHl0 (ucspi-tcp), xinetd (with
# bench/xinetd.conf), systemd-socket-activate --inetd -a and socat
# TCP-LISTEN,fork EXEC, each launching the tiny C HTTP responder
# bench/http-ok.c for every connection. Prints Markdown tables on stdout,
# progress on stderr.
#
# 1. Spawn rate: ApacheBench without keep-alive (every request is a new
#    connection and a new process), ab -n REQUESTS -c CONCURRENCY, ROUNDS
#    rounds; within a round every launcher is measured once, in an order that
#    rotates from round to round, so that noise from a busy machine falls on
#    all of them alike, with half a second's pause after each. Medians, and
#    the ratio to tcpserver. Then the same at a second concurrency,
#    ab -n REQUESTS2 -c CONCURRENCY2 (fewer requests: the run stays short),
#    every launcher in the same rotation, in the same rounds.
# 1b. The native ceiling, in the same rounds: bench/spawnloop.c launches
#    http-ok with vfork and exec and waits for it, CEILING_N times, in one
#    loop and in `nproc` loops at once; launches/s, and socketbridge's rate
#    as a fraction of them.
# 2. Start-up and idle memory: STARTUP_ROUNDS fresh starts of each launcher
#    (bench/startup.py): socketbridge from exec to READY=1 on NOTIFY_SOCKET
#    with three bridges, and from exec to its port accepting; the others from
#    exec to their port accepting. Then VmRSS and Pss after a second idle.
# 3. Sandbox cost: the same spawn bridge with every Limit*, Nice, UMask and
#    NoNewPrivileges set (values that change nothing for the program), with
#    NoNewPrivileges false (it is on by default, so the plain bridge has it),
#    with PrivateTmp and with PrivateNetwork (these two need root; left out
#    otherwise), and plain again (the noise), each a daemon of its own taking
#    its turn in the rounds of 1 beside the plain bridge: the ratio to the
#    plain bridge, and the cost of a connection, 1/rate - 1/rate of the
#    plain bridge, in µs. Then, less noisy, the CPU time the kernel charged
#    to each program (its exit entry). BENCH_SANDBOX_VARIANTS picks among
#    sb-limits, sb-nnp-off, sb-ptmp, sb-pnet and sb-same (default: all).
#
#   bench/spawn-rate.sh [REQUESTS] [CONCURRENCY] [ROUNDS]
# Environment: SOCKETBRIDGE_BIN (the program measured, default
# out/publish/socketbridge, the NativeAOT build), SOCKETBRIDGE_JIT_BIN
# (optional: the framework-dependent out/socketbridge, measured for start-up
# and memory only), BENCH_STARTUP_ROUNDS (default 9), BENCH_SPAWN_PORT_BASE
# BENCH_SPAWN_C2 (the second concurrency, default 32; 0 leaves it out),
# BENCH_SPAWN_N2 (its requests per run, default 3000), BENCH_SPAWN_CEILING_N
# (the native ceiling's launches per measurement, default 2000; 0 leaves it
# out), BENCH_SPAWN_PORT_BASE
# (default 28801, below the ephemeral range of 32768 and up, where a
# client socket of an earlier round could hold a port; six ports from it,
# five from it plus 20 for the sandbox variants, and each socketbridge's plus
# 100 for its forward bridge; six from it plus 30 for the CPU times), BENCH_SPAWN_PARTS (default "launchers startup
# sandbox"; the plain spawn bridge is always measured; `make bench-sandbox`
# runs "sandbox" alone).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
n=${1:-5000}; c=${2:-4}; rounds=${3:-5}
startup_rounds=${BENCH_STARTUP_ROUNDS:-9}
c2=${BENCH_SPAWN_C2:-32}; n2=${BENCH_SPAWN_N2:-3000}
ceiling_n=${BENCH_SPAWN_CEILING_N:-2000}
base=${BENCH_SPAWN_PORT_BASE:-28801}
sb=${SOCKETBRIDGE_BIN:-$root/out/publish/socketbridge}
sb_jit=${SOCKETBRIDGE_JIT_BIN:-}
parts=" ${BENCH_SPAWN_PARTS:-launchers startup sandbox} "
part() { [[ $parts == *" $1 "* ]]; }
tools="ab gcc /usr/bin/time"
part launchers && tools+=" tcpserver xinetd socat systemd-socket-activate"
part startup && tools+=" tcpserver xinetd socat systemd-socket-activate python3"
for tool in $tools; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install apache2-utils ucspi-tcp xinetd systemd socat gcc python3 time)" >&2; exit 1; }
done
[[ -x $sb ]] || { echo "no $sb: run 'make publish' first, or set SOCKETBRIDGE_BIN" >&2; exit 1; }

work=$(mktemp -d /tmp/sb-spawn-XXXXXX)
# The program lives outside /tmp: a bridge with PrivateTmp cannot run one
# that its private /tmp hides (refused at load). Every launcher runs this one.
mkdir -p "$root/out/bench"
progdir=$(mktemp -d "$root/out/bench/spawn-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work" "$progdir"; }
trap cleanup EXIT
started=$(date +%s)
hz=$(getconf CLK_TCK)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

gcc -O2 -static -o "$progdir/http-ok" "$here/http-ok.c" 2>/dev/null || gcc -O2 -o "$progdir/http-ok" "$here/http-ok.c"
prog=$progdir/http-ok
part launchers || { c2=0; ceiling_n=0; }
if (( ceiling_n > 0 )); then
  gcc -O2 -o "$progdir/spawnloop" "$here/spawnloop.c"
  cpus=$(nproc)
fi

# The launchers, by key: label, port, command.
launchers=(sb tcpserver xinetd ssa socat)
declare -A label port sandbox
label[sb]="socketbridge spawn";               port[sb]=$base
label[tcpserver]="tcpserver -RHl0";           port[tcpserver]=$((base + 1))
label[xinetd]="xinetd";                       port[xinetd]=$((base + 2))
label[ssa]="systemd-socket-activate --inetd -a"; port[ssa]=$((base + 3))
label[socat]="socat TCP-LISTEN,fork EXEC";    port[socat]=$((base + 4))
startup_port=$((base + 5))
# The sandbox variants of the spawn bridge, by key: label, port and the keys
# added to its bridge. The limits are generous (http-ok needs a few
# descriptors, a few KiB and a millisecond), Nice 0 and UMask 0022 are this
# machine's own: what is measured is the setting, not a change of behaviour.
label[sb-limits]="socketbridge spawn + every Limit*, Nice, UMask, NoNewPrivileges"
port[sb-limits]=$((base + 20))
sandbox[sb-limits]='"LimitNOFILE": "1024:4096", "LimitNPROC": 4096, "LimitAS": "1G", "LimitDATA": "1G", "LimitCPU": 60, "LimitCORE": 0, "LimitFSIZE": "1G", "LimitSTACK": "8M", "Nice": 0, "UMask": "0022", "NoNewPrivileges": true'
label[sb-nnp-off]="socketbridge spawn, NoNewPrivileges false"; port[sb-nnp-off]=$((base + 21)); sandbox[sb-nnp-off]='"NoNewPrivileges": false'
label[sb-ptmp]="socketbridge spawn + PrivateTmp";             port[sb-ptmp]=$((base + 22));    sandbox[sb-ptmp]='"PrivateTmp": true'
label[sb-pnet]="socketbridge spawn + PrivateNetwork";         port[sb-pnet]=$((base + 23));    sandbox[sb-pnet]='"PrivateNetwork": true'
# The plain bridge again, in a daemon of its own: how far two identical
# bridges drift apart in the same rounds, the noise under the other ratios.
label[sb-same]="socketbridge spawn, plain again (a second daemon: the noise)"; port[sb-same]=$((base + 24)); sandbox[sb-same]='"NoNewPrivileges": true'
variants=()
if part sandbox; then
  for k in ${BENCH_SANDBOX_VARIANTS:-sb-limits sb-nnp-off sb-ptmp sb-pnet sb-same}; do
    [[ -n ${sandbox[$k]:-} ]] || { echo "spawn-rate.sh: BENCH_SANDBOX_VARIANTS: no variant $k" >&2; exit 1; }
    if [[ $k == sb-ptmp || $k == sb-pnet ]] && [[ $(id -u) -ne 0 ]]; then
      echo "spawn-rate.sh: not root, so no ${label[$k]} row (it needs root)" >&2; continue
    fi
    variants+=("$k")
  done
fi
keys=(sb)
part launchers && keys=("${launchers[@]}")
keys+=("${variants[@]}")

# socketbridge: at Warning nothing is logged per connection, as none of the
# others log one here. The start-up configuration has three bridges: the
# HTTP one, a spawn bridge on a Unix socket and a forward bridge. Programs
# run as the user running the bench, as xinetd's (User is required as root).
sb_config() { # PORT FILE [KEYS ADDED TO THE HTTP BRIDGE]
  cat > "$2" <<JSON
{ "SocketBridge": { "LogLevel": "Warning" },
  "Bridges": {
    "http": { "Listen": "tcp:127.0.0.1:$1", "MaxConnections": 1000, "StandardError": "null", "User": "$(id -un)", "Exec": ["$prog"]${3:+, $3} },
    "local": { "Listen": "unix:$work/local-$1.sock", "User": "$(id -un)", "Exec": ["$prog"] },
    "relay": { "Listen": "tcp:127.0.0.1:$(($1 + 100))", "Target": "tcp:127.0.0.1:$1" } } }
JSON
}
xinetd_config() { # PORT FILE
  sed -e "s|@PORT@|$1|" -e "s|@SERVER@|$prog|" -e "s|@USER@|$(id -un)|" -e "s|@GROUP@|$(id -gn)|" \
      -e "s|@LOG@|$work/xinetd-$1.log|" "$here/xinetd.conf" > "$2"
}
# The command line of launcher KEY on PORT (configuration files written as needed).
command_of() { # KEY PORT
  local p=$2
  case $1 in
    sb) sb_config "$p" "$work/sb-$p.json"; echo "$sb run -c $work/sb-$p.json" ;;
    sb-jit) sb_config "$p" "$work/sb-jit-$p.json"; echo "$sb_jit run -c $work/sb-jit-$p.json" ;;
    sb-*) sb_config "$p" "$work/$1-$p.json" "${sandbox[$1]}"; echo "$sb run -c $work/$1-$p.json" ;;
    tcpserver) echo "tcpserver -RHl0 -c 1000 -b 1000 127.0.0.1 $p $prog" ;;
    xinetd) xinetd_config "$p" "$work/xinetd-$p.conf"; echo "xinetd -dontfork -f $work/xinetd-$p.conf" ;;
    ssa) echo "systemd-socket-activate --inetd -a -l 127.0.0.1:$p $prog" ;;
    socat) echo "socat TCP-LISTEN:$p,bind=127.0.0.1,fork,reuseaddr,backlog=4096 EXEC:$prog" ;;
  esac
}

wait_port() { for _ in $(seq 400); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.025; done; echo "port $1 not ready" >&2; exit 1; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
rotate() { # ROUND KEY...: the keys, starting at ROUND modulo their count
  local r=$1; shift; local a=("$@") i
  for ((i = 0; i < ${#a[@]}; i++)); do echo "${a[$(((i + r) % ${#a[@]}))]}"; done
}

# --- 2 first (nothing else running): start-up and idle memory --------------
declare -A st_ms st_rss st_pss
st_keys=(sb-ready sb-port tcpserver xinetd ssa socat)
[[ -n $sb_jit && -x $sb_jit ]] && st_keys+=(sb-jit-ready)
part startup || { st_keys=(); startup_rounds=0; }
(( startup_rounds > 0 )) && echo "spawn-rate.sh: start-up and idle memory, $startup_rounds rounds" >&2
for r in $(seq "$startup_rounds"); do
  for k in $(rotate "$r" "${st_keys[@]}"); do
    case $k in
      sb-ready) out=$(python3 "$here/startup.py" notify -- $(command_of sb $startup_port)) ;;
      sb-jit-ready) out=$(python3 "$here/startup.py" notify -- $(command_of sb-jit $startup_port)) ;;
      sb-port) out=$(python3 "$here/startup.py" port $startup_port -- $(command_of sb $startup_port)) ;;
      *) out=$(python3 "$here/startup.py" port $startup_port -- $(command_of "$k" $startup_port)) ;;
    esac
    read -r ms rss pss <<< "$out"
    st_ms[$k]+="$ms "; st_rss[$k]+="$rss "; st_pss[$k]+="$pss "
  done
  echo "  round $r/$startup_rounds done" >&2
done

# --- 1: spawn rate ---------------------------------------------------------
echo "spawn-rate.sh: ab -n $n -c $c, $rounds rounds of ${#keys[@]} launchers" >&2
declare -A pid
for k in "${keys[@]}"; do
  # shellcheck disable=SC2046
  $(command_of "$k" "${port[$k]}") >"$work/$k.stdout" 2>"$work/$k.stderr" &
  pid[$k]=$!; pids+=($!)
done
for k in "${keys[@]}"; do wait_port "${port[$k]}"; done
sleep 1
for k in "${keys[@]}"; do
  kill -0 "${pid[$k]}" 2>/dev/null || { echo "spawn-rate.sh: ${label[$k]} exited:" >&2; tail -n 5 "$work/$k.stderr" >&2; exit 1; }
done
declare -A idle_rss idle_pss
for k in "${keys[@]}"; do idle_rss[$k]=$(rss_kib "${pid[$k]}"); idle_pss[$k]=$(pss_kib "${pid[$k]}"); done

declare -A rates rates2 failed failed2
failures=0
ceiling1=""; ceilingn=""
# One ab run against KEY, its rate added to the array named RATES and its
# failed requests to FAILED.
# Where the CPU goes, summed over the rounds per launcher and concurrency
# (KEY:C): ab's user and system time (GNU time), and the launcher's own and
# its reaped programs' (utime+stime and cutime+cstime in /proc/PID/stat,
# clock ticks), with the connections they served.
declare -A cpu_ab cpu_own cpu_sys cpu_prog cpu_conns
ticks() { awk '{sub(/.*\) /, ""); print $12 + $13, $14 + $15, $13}' "/proc/$1/stat"; }
ab_run() { # KEY REQUESTS CONCURRENCY RATES FAILED ROUND
  local k=$1 n=$2 c=$3 rps complete bad own0 prog0 sys0 own1 prog1 sys1 abu abs
  local -n into=$4 bad_into=$5
  read -r own0 prog0 sys0 < <(ticks "${pid[$k]}")
  /usr/bin/time -f '%U %S' -o "$work/ab.time" ab -r -q -n "$n" -c "$c" "http://127.0.0.1:${port[$k]}/" > "$work/ab.txt" 2>&1 || true
  sleep 0.2 # the last programs reaped
  read -r own1 prog1 sys1 < <(ticks "${pid[$k]}")
  cpu_sys[$k:$c]=$(awk -v a="${cpu_sys[$k:$c]:-0}" -v d=$((sys1 - sys0)) -v hz="$hz" 'BEGIN {print a + d / hz}')
  read -r abu abs < <(tail -n 1 "$work/ab.time")
  cpu_ab[$k:$c]=$(awk -v a="${cpu_ab[$k:$c]:-0}" -v u="$abu" -v s="$abs" 'BEGIN {print a + u + s}')
  cpu_own[$k:$c]=$(awk -v a="${cpu_own[$k:$c]:-0}" -v d=$((own1 - own0)) -v hz="$hz" 'BEGIN {print a + d / hz}')
  cpu_prog[$k:$c]=$(awk -v a="${cpu_prog[$k:$c]:-0}" -v d=$((prog1 - prog0)) -v hz="$hz" 'BEGIN {print a + d / hz}')
  cpu_conns[$k:$c]=$(( ${cpu_conns[$k:$c]:-0} + n ))
  rps=$(awk '/^Requests per second:/ {print $4}' "$work/ab.txt")
  complete=$(awk '/^Complete requests:/ {print $3}' "$work/ab.txt")
  bad=$(awk '/^Failed requests:/ {f = $3} /^Non-2xx responses:/ {x = $3} END {print f + x}' "$work/ab.txt")
  if [[ -z $rps || ${complete:-0} -ne $n ]]; then
    echo "spawn-rate.sh: ab -c $c against ${label[$k]} did not complete $n requests:" >&2; tail -n 5 "$work/ab.txt" >&2
    bad=$((n - ${complete:-0} + bad)); rps=${rps:-0}
  fi
  into[$k]+="$rps "; bad_into[$k]=$(( ${bad_into[$k]:-0} + bad ))
  failures=$((failures + bad))
  echo "  round $6/$rounds: ab -c $c: ${label[$k]}: $rps requests/s, $bad failed" >&2
  # Every run starts from the same quiet: the kernel frees a network
  # namespace later, in a worker (after the 2,000 of a PrivateNetwork run,
  # about 0.1 s of its CPU), which would otherwise fall on the next run.
  sleep 0.3
}
for r in $(seq "$rounds"); do
  for k in $(rotate "$r" "${keys[@]}"); do ab_run "$k" "$n" "$c" rates failed "$r"; done
  if (( c2 > 0 )); then
    for k in $(rotate "$r" "${launchers[@]}"); do ab_run "$k" "$n2" "$c2" rates2 failed2 "$r"; done
  fi
  if (( ceiling_n > 0 )); then
    # The ceiling in turns with the launchers, one loop and then nproc.
    ceiling1+="$("$progdir/spawnloop" "$prog" "$ceiling_n" 1 || echo 0) "
    ceilingn+="$("$progdir/spawnloop" "$prog" "$ceiling_n" "$cpus" || echo 0) "
    echo "  round $r/$rounds: native ceiling: $(echo $ceiling1 | awk '{print $NF}') launches/s in one loop, $(echo $ceilingn | awk '{print $NF}') in $cpus" >&2
    sleep 0.5
  fi
done
sleep 1
declare -A after_rss
for k in "${keys[@]}"; do after_rss[$k]=$(rss_kib "${pid[$k]}"); done

# --- 3, less noisy: the CPU time of each program ----------------------------
# A rate on a busy machine moves by several percent from run to run; the CPU
# time the kernel charged to each program (its exit entry, from wait4) moves
# far less. It counts the steps in the vfork child before exec and a mount
# namespace's teardown at exit, not a network namespace's (a kernel worker
# frees that later). One more daemon, at LogLevel Information so that it logs
# every exit, with a bridge for the plain one and each variant (from the port
# base + 30), taking turns in 10 rounds (a busy moment of the machine that
# slows a program's caches falls on them alike).
declare -A child_cpu
if [[ ${#variants[@]} -gt 0 ]]; then
  cpu_n=$(( n < 1000 ? n : 1000 )); cpu_rounds=10
  cpu_keys=(sb "${variants[@]}")
  {
    echo '{ "SocketBridge": { "LogLevel": "Information" }, "Bridges": {'
    i=0
    for k in "${cpu_keys[@]}"; do
      (( i > 0 )) && echo ','
      echo "\"$k\": { \"Listen\": \"tcp:127.0.0.1:$((base + 30 + i))\", \"MaxConnections\": 1000, \"StandardError\": \"null\", \"User\": \"$(id -un)\", \"Exec\": [\"$prog\"]${sandbox[$k]:+, ${sandbox[$k]}} }"
      i=$((i + 1))
    done
    echo '} }'
  } > "$work/cpu.json"
  echo "spawn-rate.sh: the programs' CPU time, $cpu_rounds rounds of $((cpu_n / cpu_rounds)) connections to each" >&2
  "$sb" run -c "$work/cpu.json" >/dev/null 2>"$work/cpu.log" &
  cpu_pid=$!; pids+=($cpu_pid)
  for ((i = 0; i < ${#cpu_keys[@]}; i++)); do wait_port $((base + 30 + i)); done
  for r in $(seq $cpu_rounds); do
    for k in $(rotate "$r" "${cpu_keys[@]}"); do
      for ((i = 0; i < ${#cpu_keys[@]}; i++)); do [[ ${cpu_keys[$i]} == "$k" ]] && break; done
      ab -r -q -n $((cpu_n / cpu_rounds)) -c "$c" "http://127.0.0.1:$((base + 30 + i))/" >/dev/null 2>&1 || true
      sleep 0.2
    done
  done
  kill "$cpu_pid"; wait "$cpu_pid" 2>/dev/null || true
  for k in "${cpu_keys[@]}"; do
    # The console line: "... INF sb-limits 1f2e3d-7 from ...: child N exited ...; CPU U µs user, S µs system; ..."
    child_cpu[$k]=$(sed -nE "s/.* $k [^ ]+ from .*: child [0-9]+ exited .*; CPU ([0-9]+) µs user, ([0-9]+) µs system;.*/\\1 \\2/p" "$work/cpu.log" | awk '{print $1 + $2}' | median)
    echo "  ${label[$k]}: a program's CPU, median $(printf '%.0f' "${child_cpu[$k]}") µs" >&2
  done
fi

# --- the tables ------------------------------------------------------------
med() { echo $1 | tr ' ' '\n' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f×", (b > 0) ? a / b : 0}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
fmt() { awk -v v="$1" 'BEGIN {printf "%.0f", v}' | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
verdict() { if awk -v v="$1" -v t="$2" "BEGIN {exit !(v $3 t)}"; then echo met; else echo "**missed**"; fi; }
# Per round, the rate of KEY over that of BASE in the same round.
per_round() { # KEY BASE [RATES]
  local -n of=${3:-rates}
  paste -d' ' <(echo ${of[$1]} | tr ' ' '\n') <(echo ${of[$2]} | tr ' ' '\n') | awk '$2 > 0 {print $1 / $2}'
}
listed() { tr ' ' '\n' | awk 'NF {printf "%s%.2f", (n++) ? ", " : "", $1}'; }
sbm=$(med "${rates[sb]}")
targets=()

if part launchers; then
ts=$(med "${rates[tcpserver]}")
round_ratios=$(per_round sb tcpserver)
echo "| spawn launcher (ab -n $n -c $c, no keep-alive; median of $rounds) | requests/s | vs tcpserver | failed requests |"
echo "| --- | ---: | ---: | ---: |"
for k in "${launchers[@]}"; do
  m=$(med "${rates[$k]}")
  f=${failed[$k]}; [[ $f -ne 0 ]] && f="**$f**"
  echo "| ${label[$k]} | $(fmt "$m") | $(ratio "$m" "$ts") | $f |"
done
echo
rr=$(echo "$round_ratios" | median)
targets+=("| spawn rate at ab -c $c ≥ 1.20× tcpserver -RHl0 (issue 21) | $(ratio "$sbm" "$ts") of the medians; $(printf '%.2f×' "$rr") median of the per-round ratios | $(verdict "$sbm" "$(awk -v t="$ts" 'BEGIN {print 1.2 * t}')" '>=') |")
if (( c2 > 0 )); then
  ts2=$(med "${rates2[tcpserver]}"); sbm2=$(med "${rates2[sb]}")
  round_ratios2=$(per_round sb tcpserver rates2)
  echo "| spawn launcher (ab -n $n2 -c $c2, no keep-alive; median of $rounds) | requests/s | vs tcpserver | failed requests |"
  echo "| --- | ---: | ---: | ---: |"
  for k in "${launchers[@]}"; do
    m=$(med "${rates2[$k]}")
    f=${failed2[$k]}; [[ $f -ne 0 ]] && f="**$f**"
    echo "| ${label[$k]} | $(fmt "$m") | $(ratio "$m" "$ts2") | $f |"
  done
  echo
  targets+=("| spawn rate at ab -c $c2 ≥ 1.20× tcpserver -RHl0 (issue 21) | $(ratio "$sbm2" "$ts2") of the medians; $(printf '%.2f×' "$(echo "$round_ratios2" | median)") median of the per-round ratios | $(verdict "$sbm2" "$(awk -v t="$ts2" 'BEGIN {print 1.2 * t}')" '>=') |")
fi
# Where the CPU goes at concurrency C: per connection, over all rounds; and
# the most the CPUs allow: with all of them busy, nproc CPU-seconds a second
# over the CPU time a connection takes, as a multiple of tcpserver's rate.
cpu_table() { # C TCPSERVER_RATE
  local c=$1 ts_rate=$2 k conns a o ks p
  per_conn() { awk -v t="$1" -v n="$2" 'BEGIN {printf "%.0f", (n > 0) ? 1e6 * t / n : 0}'; }
  most() { awk -v us="$1" -v r="$ts_rate" -v cpus="$(nproc)" 'BEGIN {printf "%.2f×", (us > 0 && r > 0) ? cpus * 1e6 / us / r : 0}'; }
  echo "| CPU per connection at ab -c $c, µs (all rounds) | ab, the client | the launcher (of which in the kernel) | its programs | all three | the most the CPUs allow, × tcpserver's rate | the same if the launcher's own code took no CPU (its kernel time only) | the same if the launcher took no CPU at all |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for k in "${launchers[@]}"; do
    conns=${cpu_conns[$k:$c]:-0}
    a=$(per_conn "${cpu_ab[$k:$c]:-0}" "$conns"); o=$(per_conn "${cpu_own[$k:$c]:-0}" "$conns"); p=$(per_conn "${cpu_prog[$k:$c]:-0}" "$conns")
    ks=$(per_conn "${cpu_sys[$k:$c]:-0}" "$conns")
    echo "| ${label[$k]} | $a | $o ($ks) | $p | $((a + o + p)) | $(most $((a + o + p))) | $(most $((a + ks + p))) | $(most $((a + p))) |"
  done
  echo
}
cpu_table "$c" "$ts"
(( c2 > 0 )) && cpu_table "$c2" "$ts2"
echo "CPU per connection: ab's user and system time (GNU time), and each launcher's own and its programs' (utime + stime and cutime + cstime from /proc/PID/stat, which count a program once the launcher has reaped it), summed over every round and divided by the connections; the kernel's network work falls on whichever of them was running. The most the CPUs allow: $(nproc) CPU-seconds a second over a connection's CPU time, as a multiple of tcpserver's median rate at that concurrency; the last column is that bound for a launcher whose own work took no CPU at all, which no launcher can pass. A guide, not a proof: the bound assumes the work spreads over every CPU."
echo
if (( ceiling_n > 0 )); then
  c1m=$(med "$ceiling1"); cnm=$(med "$ceilingn")
  share() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}'; }
  head="| native ceiling: bench/spawnloop.c, vfork + exec + wait of http-ok, $ceiling_n launches (median of $rounds) | launches/s | socketbridge at ab -c $c, as a fraction of it"
  sep="| --- | ---: | ---:"
  (( c2 > 0 )) && { head+=" | socketbridge at ab -c $c2, as a fraction of it"; sep+=" | ---:"; }
  echo "$head |"; echo "$sep |"
  row="| one loop | $(fmt "$c1m") | $(share "$sbm" "$c1m")"
  (( c2 > 0 )) && row+=" | $(share "$sbm2" "$c1m")"
  echo "$row |"
  row="| $cpus loops at once (\`nproc\`) | $(fmt "$cnm") | $(share "$sbm" "$cnm")"
  (( c2 > 0 )) && row+=" | $(share "$sbm2" "$cnm")"
  echo "$row |"
  echo
  echo "The ceiling is what launching alone costs on this machine: each launch is a socketpair with the request already in it, vfork, execve of the same http-ok, waitpid and reading the reply, with no accept, no client and no daemon; tcpserver and socketbridge do all of that and more per connection, and ab shares the CPUs with them."
  echo
fi
fi

if part startup; then
echo "| start-up and memory (median of $startup_rounds starts) | start-up (ms) | idle VmRSS (MiB) | idle Pss (MiB) | VmRSS after the $((n * rounds)) requests (MiB) |"
echo "| --- | ---: | ---: | ---: | ---: |"
st_row() { # KEY LABEL AFTER
  printf '| %s | %.1f | %s | %s | %s |\n' "$2" "$(med "${st_ms[$1]}")" "$(mib "$(med "${st_rss[$1]}")")" "$(mib "$(med "${st_pss[$1]}")")" "$3"
}
st_row sb-ready "socketbridge, exec to READY=1 (3 bridges)" "$(mib "${after_rss[sb]}")"
st_row sb-port "socketbridge, exec to its port accepting (3 bridges)" "$(mib "${after_rss[sb]}")"
[[ -n ${st_ms[sb-jit-ready]:-} ]] && st_row sb-jit-ready "socketbridge framework-dependent (\`make build\`), exec to READY=1" "—"
for k in tcpserver xinetd ssa socat; do st_row "$k" "${label[$k]}, exec to its port accepting" "$(mib "${after_rss[$k]}")"; done
echo
ready=$(med "${st_ms[sb-ready]}")
rss=$(med "${st_rss[sb-ready]}")
targets+=("| start-up, exec to READY=1 with 3 bridges, < 50 ms | $(printf '%.1f' "$ready") ms | $(verdict "$ready" 50 '<') |")
targets+=("| idle memory < 30 MiB | $(mib "$rss") MiB VmRSS | $(verdict "$rss" $((30 * 1024)) '<') |")
fi

if [[ ${#variants[@]} -gt 0 ]]; then
# µs a connection costs more than on the plain bridge, from the two rates.
extra_us() { awk -v x="$1" -v p="$2" 'BEGIN {if (x > 0 && p > 0) printf "%+.0f", 1e6 / x - 1e6 / p; else printf "—"}'; }
# A program's CPU time, µs, and in parentheses what it is more than on the plain bridge.
cpu_cell() {
  awk -v x="${child_cpu[$1]:-nan}" -v p="${child_cpu[sb]:-nan}" \
    'BEGIN {if (x == "nan" || p == "nan") {print "—"; exit} x = sprintf("%.0f", x); d = x - sprintf("%.0f", p); if (d == 0) print x; else printf "%s (%+d)\n", x, d}'
}
echo "| spawn bridge with (ab -n $n -c $c, no keep-alive; median of $rounds, taking turns with the plain one) | requests/s | vs the plain bridge, medians | vs the plain bridge, median of the per-round ratios | µs more per connection | a program's CPU, µs (median of $cpu_n) | failed requests |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
f=${failed[sb]}; [[ $f -ne 0 ]] && f="**$f**"
echo "| socketbridge spawn, plain (NoNewPrivileges is on by default) | $(fmt "$sbm") | 1.00× | 1.00× | 0 | $(cpu_cell sb) | $f |"
for k in "${variants[@]}"; do
  m=$(med "${rates[$k]}")
  f=${failed[$k]}; [[ $f -ne 0 ]] && f="**$f**"
  echo "| ${label[$k]} | $(fmt "$m") | $(ratio "$m" "$sbm") | $(printf '%.2f×' "$(per_round "$k" sb | median)") | $(extra_us "$m" "$sbm") | $(cpu_cell "$k") | $f |"
done
echo
echo "The limits set: ${sandbox[sb-limits]} (generous: they change nothing for http-ok). µs more per connection: 10⁶/rate − 10⁶/rate of the plain bridge; with $c connections at a time keeping $(nproc) CPUs busy, it is the time the run took longer per connection (the steps in the child before exec, the namespace's teardown after exit), not one connection's latency. A program's CPU: user and system time from its exit entry (wait4), in one more daemon at LogLevel Information after the rounds, $cpu_rounds rounds with the bridges taking turns: it includes the steps in the vfork child before exec and a mount namespace's teardown, not a network namespace's, which a kernel worker does later."
echo
lm=$(med "${rates[sb-limits]:-}")
[[ -n ${rates[sb-limits]:-} ]] && targets+=("| every Limit*, Nice, UMask, NoNewPrivileges set: ≥ 0.95× the plain spawn bridge | $(ratio "$lm" "$sbm") of the medians; $(printf '%.2f×' "$(per_round sb-limits sb | median)") median of the per-round ratios; a program's CPU $(cpu_cell sb-limits) µs against $(cpu_cell sb) | $(verdict "$lm" "$(awk -v p="$sbm" 'BEGIN {print 0.95 * p}')" '>=') |")
fi

echo "| target | measured | |"
echo "| --- | --- | --- |"
for t in "${targets[@]}"; do echo "$t"; done
echo "| zero failed requests | $failures in all | $(verdict "$failures" 0 '==') |"
echo
echo "The run took $(( $(date +%s) - started )) s; load average $load_start at its start, $(cut -d' ' -f1-3 /proc/loadavg) at its end."
echo
echo "<details><summary>every round</summary>"
echo
echo "| measurement | every round, in order |"
echo "| --- | --- |"
for k in "${keys[@]}"; do echo "| ${label[$k]}, requests/s | $(echo ${rates[$k]} | sed 's/ /, /g') |"; done
part launchers && echo "| socketbridge ÷ tcpserver, per round | $(echo $round_ratios | listed) |"
if (( c2 > 0 )); then
  for k in "${launchers[@]}"; do echo "| ${label[$k]} at ab -c $c2, requests/s | $(echo ${rates2[$k]} | sed 's/ /, /g') |"; done
  echo "| socketbridge ÷ tcpserver at ab -c $c2, per round | $(echo $round_ratios2 | listed) |"
fi
if (( ceiling_n > 0 )); then
  echo "| native ceiling, one loop, launches/s | $(echo $ceiling1 | sed 's/ /, /g') |"
  echo "| native ceiling, $cpus loops, launches/s | $(echo $ceilingn | sed 's/ /, /g') |"
fi
for k in "${variants[@]}"; do echo "| ${label[$k]} ÷ plain, per round | $(per_round "$k" sb | listed) |"; done
for k in "${st_keys[@]}"; do echo "| start-up $k, ms | $(echo ${st_ms[$k]} | sed 's/ /, /g') |"; done
echo
echo "</details>"
