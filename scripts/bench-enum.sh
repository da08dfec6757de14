#!/usr/bin/env bash
# Peers benchmark for extension enumeration (SPEC §10, issue 3): runs
# sipvicious' svwar and `sipvet enum` one after the other against the same
# PERMISSIVE kamailio (internal/peertest/testdata/kamailio.cfg: unknown users
# get 404, known ones a 401 challenge) with EXTS extensions of which USERS
# exist, and prints each tool's extensions/s, true and false positives, and
# the ratio. Then it times a full default `sipvet scan` of one kamailio.
#
# Needs: kamailio, kamailio-sqlite-modules, sqlite3, sipvicious (svwar), go.
# Loopback only; every run is bounded (timeout). Not run in CI.
#
#   scripts/bench-enum.sh            # 2,000 extensions (1000-2999), 50 users
#   EXTS=5000 USERS=100 scripts/bench-enum.sh
set -euo pipefail
cd "$(dirname "$0")/.."

EXTS=${EXTS:-2000}
USERS=${USERS:-50}
FIRST=${FIRST:-1000}
LAST=$((FIRST + EXTS - 1))
RATE=${RATE:-4000}

for p in kamailio sqlite3 svwar go; do
  command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || { echo "bench-enum: $p is not installed" >&2; exit 2; }
done

work=$(mktemp -d)
kpid=""
cleanup() {
  [ -n "$kpid" ] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/sipvet" ./cmd/sipvet

# A free port (UDP and TCP) on 127.0.0.1.
port=$(python3 -c 'import socket
for _ in range(50):
    u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(("127.0.0.1",0)); p=u.getsockname()[1]
    t=socket.socket()
    try:
        t.bind(("127.0.0.1",p)); print(p); break
    except OSError: pass
    finally: t.close(); u.close()')

# The users: USERS extensions spread over the range (same rule as peertest.EnumUsers).
step=$((EXTS / USERS))
: > "$work/users.txt"
for i in $(seq 0 $((USERS - 1))); do
  echo $((FIRST + i * step + (i * 7) % step)) >> "$work/users.txt"
done
{
  cat /usr/share/kamailio/db_sqlite/standard-create.sql /usr/share/kamailio/db_sqlite/auth_db-create.sql
  echo "BEGIN;"
  while read -r u; do echo "INSERT INTO subscriber (username, domain, password) VALUES ('$u', '127.0.0.1', 'pw$u');"; done < "$work/users.txt"
  echo "COMMIT;"
} | sqlite3 "$work/kamailio.db"

start_kamailio() { # $1 = define
  kamailio -f internal/peertest/testdata/kamailio.cfg -DD -E -m 64 -M 8 -P "$work/k.pid" -Y "$work" -w "$work" \
    -l "udp:127.0.0.1:$port" -l "tcp:127.0.0.1:$port" -A "$1" -A "DBURL=\"sqlite:///$work/kamailio.db\"" \
    >"$work/kamailio.log" 2>&1 &
  kpid=$!
  for _ in $(seq 50); do
    if "$work/sipvet" scan "udp://127.0.0.1:$port" --checks ipa19.fingerprint --no-liveness --timeout 300ms --fail-on none >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "bench-enum: kamailio did not start:" >&2; tail -20 "$work/kamailio.log" >&2; exit 1
}
stop_kamailio() { kill "$kpid" 2>/dev/null; wait "$kpid" 2>/dev/null || true; kpid=""; }

# score FILE-OF-FOUND-IDS → "tp fp"
score() {
  local tp fp
  tp=$( (grep -Fxf "$work/users.txt" "$1" || true) | sort -u | wc -l)
  fp=$( (grep -Fxvf "$work/users.txt" "$1" || true) | sort -u | wc -l)
  echo "$tp $fp"
}

now() { date +%s.%N; }

start_kamailio PERMISSIVE
echo "kamailio PERMISSIVE on udp://127.0.0.1:$port: $USERS users among $EXTS extensions ($FIRST-$LAST)"

# svwar (REGISTER, its default).
t0=$(now)
timeout 600 svwar -e"$FIRST-$LAST" -m REGISTER "udp://127.0.0.1:$port" >"$work/svwar.out" 2>&1 || true
t1=$(now)
grep -Eo '^\| *[0-9]+ *\|' "$work/svwar.out" | tr -dc '0-9\n' | sed '/^$/d' > "$work/svwar.found" || true
read -r sv_tp sv_fp < <(score "$work/svwar.found")
sv_s=$(echo "$t1 - $t0" | bc -l)
sv_rate=$(echo "$EXTS / $sv_s" | bc -l)

# sipvet enum (same method, same range).
t0=$(now)
timeout 600 "$work/sipvet" enum "udp://127.0.0.1:$port" --range "$FIRST-$LAST" --method REGISTER --rate "$RATE" \
  --format json -o "$work/enum.json" --fail-on none >/dev/null 2>"$work/enum.err"
t1=$(now)
python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
for x in r["results"]:
    if x["check"]=="ipa19.enum":
        for i in x["data"].get("found",[]): print(i)' "$work/enum.json" > "$work/enum.found"
read -r sv2_tp sv2_fp < <(score "$work/enum.found")
se_s=$(echo "$t1 - $t0" | bc -l)
se_rate=$(echo "$EXTS / $se_s" | bc -l)
stop_kamailio

printf '\n%-12s %10s %12s %6s %6s\n' tool seconds "ext/s" TP FP
printf '%-12s %10.2f %12.0f %6d %6d\n' svwar "$sv_s" "$sv_rate" "$sv_tp" "$sv_fp"
printf '%-12s %10.2f %12.0f %6d %6d\n' "sipvet enum" "$se_s" "$se_rate" "$sv2_tp" "$sv2_fp"
printf 'ratio sipvet/svwar: %.1f× (goal ≥ 20×); configured users: %d\n' "$(echo "$se_rate / $sv_rate" | bc -l)" "$USERS"
echo "(sipvet's wall time includes process start, calibration and confirmation; its own figure:)"
grep '^enum:.*found' "$work/enum.err" || true

# STRICT: the same users, every user answered alike, pike on: no false IDs.
start_kamailio STRICT
timeout 600 "$work/sipvet" enum "udp://127.0.0.1:$port" --range "$FIRST-$LAST" --method REGISTER --rate "$RATE" \
  --format json -o "$work/strict.json" --fail-on none >/dev/null 2>"$work/strict.err" || true
python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
for x in r["results"]:
    if x["check"]=="ipa19.enum":
        for i in x["data"].get("found",[]): print(i)' "$work/strict.json" > "$work/strict.found"
echo "STRICT kamailio: sipvet enum found $(wc -l < "$work/strict.found" | tr -d ' ') IDs (want 0); $(grep '^enum:.*found' "$work/strict.err" || true)"

# A full default scan (no fuzz, no opt-ins) of one kamailio, timed.
t0=$(now)
"$work/sipvet" scan "udp://127.0.0.1:$port" --format json -o "$work/scan.json" --fail-on none >/dev/null 2>&1 || true
t1=$(now)
stop_kamailio
printf 'full default sipvet scan of STRICT kamailio: %.1f s (goal < 60 s)\n' "$(echo "$t1 - $t0" | bc -l)"
start_kamailio PERMISSIVE
t0=$(now)
"$work/sipvet" scan "udp://127.0.0.1:$port" --format json -o "$work/scan2.json" --fail-on none >/dev/null 2>&1 || true
t1=$(now)
printf 'full default sipvet scan of PERMISSIVE kamailio: %.1f s (goal < 60 s)\n' "$(echo "$t1 - $t0" | bc -l)"
