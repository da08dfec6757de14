#!/usr/bin/env bash
# bench-fuzz.sh — fuzz campaign throughput against real targets on loopback,
# next to the loopback UDP round-trip limit measured in the same run.
#
#   scripts/bench-fuzz.sh [CASES]     (default 20000 cases per target)
#
# Targets: sipp's built-in UAS (started and watched with --exec --restart,
# since sipp 3.6.1 dies on some inputs) and kamailio (internal/peertest's
# permissive config). Liveness is probed every 100 cases; --rate 0 lets the
# campaign go as fast as the target answers the probes.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-20000}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

go build -o "$work/sipvet" ./cmd/sipvet

echo "== loopback UDP round-trip limit (Go benchmark, internal/transport)"
limit=$(go test ./internal/fuzz -run '^$' -bench LoopbackUDPRoundTrip -benchtime 2s | awk '/roundtrips\/s/ {for (i=1;i<=NF;i++) if ($(i+1)=="roundtrips/s") print $i}')
printf "limit: %.0f round trips/s\n" "$limit"

campaign() { # name target extra-args...
  local name=$1 tg=$2; shift 2
  "$work/sipvet" fuzz "$tg" --allow fuzz --sources torture,protos,mutation,application --mutations "$CASES" --max-cases "$CASES" \
    --rate 0 --probe-every 100 --probe-timeout 1s --repro-dir "$work/repro-$name" --format json -o "$work/$name.json" --fail-on none "$@" >/dev/null 2>"$work/$name.err" || true
  jq -r --arg name "$name" --argjson limit "$limit" '.results[] | select(.check=="ipa12.fuzz") |
    "\($name): \(.data.cases) cases, \(.data.cases_per_second|floor) cases/s = \((.data.cases_per_second*100/$limit)|floor)% of the limit; probes \(.data.probes), restarts \(.data.restarts), failures \(.data.failures)"' "$work/$name.json"
}

if command -v sipp >/dev/null; then
  p=$(freeport); mp=$(freeport)
  echo "== sipp UAS on 127.0.0.1:$p"
  campaign sipp "udp://127.0.0.1:$p" --exec "sipp -sn uas -i 127.0.0.1 -p $p -mp $mp -nostdin -timeout 600s" --restart --user service
else
  echo "sipp not installed (package sip-tester): skipped"
fi

if command -v kamailio >/dev/null || [ -x /usr/sbin/kamailio ]; then
  kam=$(command -v kamailio || echo /usr/sbin/kamailio)
  p=$(freeport)
  echo "== kamailio on 127.0.0.1:$p"
  setsid "$kam" -f internal/peertest/testdata/kamailio.cfg -DD -E -m 64 -M 8 -P "$work/k.pid" -Y "$work" -w "$work" \
    -l "udp:127.0.0.1:$p" -l "tcp:127.0.0.1:$p" >"$work/kamailio.log" 2>&1 &
  pids+=($!)
  sleep 1.5
  campaign kamailio "udp://127.0.0.1:$p"
else
  echo "kamailio not installed: skipped"
fi
