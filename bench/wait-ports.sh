#!/usr/bin/env bash
# Waits (up to 90 s) until no local TCP socket, in any state, holds one of the
# given ports on this machine, so that a listener can bind it. Ports in the
# ephemeral range (see /proc/sys/net/ipv4/ip_local_port_range) can be held by
# the TIME_WAIT sockets of an earlier benchmark's clients for 60 s.
#   bench/wait-ports.sh PORT...
set -euo pipefail
held() {
  local p hex
  for p in "$@"; do
    hex=$(printf '%04X' "$p")
    if awk -v h=":$hex" 'NR > 1 && substr($2, length($2) - 4) == h {found = 1} END {exit !found}' /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$p"
    fi
  done
}
busy=$(held "$@")
[[ -z $busy ]] && exit 0
echo "bench/wait-ports.sh: waiting for port(s) $(echo $busy) to be released (sockets in TIME_WAIT last 60 s)" >&2
for _ in $(seq 180); do
  sleep 0.5
  busy=$(held "$@")
  [[ -z $busy ]] && exit 0
done
echo "bench/wait-ports.sh: port(s) $(echo $busy) still in use after 90 s:" >&2
ss -tanp 2>/dev/null | grep -E "$(printf ':%s\\b|' $busy | sed 's/|$//')" >&2 || true
exit 1
