#!/usr/bin/env bash
# bench-crack.sh: sipvet crack vs sipcrack vs hashcat -m 11400 -D 1 (CPU) on
# the same two digests (qop=auth and no qop, password "letmein7", captured by
# the real sipdump: internal/digest/testdata/sipdump/register.dump) and the
# same 5,000,000-word list with the password near the end. Prints
# candidates/s of each tool, the ratios, and sipvet's rate as a fraction of
# the MD5 limit measured by the Go benchmark of the md5x kernel.
#
# Needs: go, sipcrack (Debian sipcrack), hashcat + pocl-opencl-icd.
# Not run in CI. Usage: scripts/bench-crack.sh [WORDS]   (default 5000000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000000}
W=/tmp/sipvet-bench-crack
mkdir -p "$W"
DUMP=internal/digest/testdata/sipdump/register.dump
PASS=letmein7
CORES=$(nproc)

go build -o "$W/sipvet" ./cmd/sipvet

if [ ! -s "$W/words-$N.txt" ]; then
	echo "generating $N words into $W/words-$N.txt" >&2
	awk -v n="$N" -v p="$PASS" 'BEGIN { for (i = 1; i <= n - 10; i++) printf "pw%08d\n", i; print p; for (i = 0; i < 9; i++) printf "zz%d\n", i }' >"$W/words-$N.txt"
fi
WORDS="$W/words-$N.txt"
POS=$((N - 9)) # candidates up to and including the password

# One file per entry: line 1 has qop=auth, line 2 has none.
for i in 1 2; do
	sed -n "${i}p" "$DUMP" >"$W/entry$i.dump"
	# sipdump fields -> $sip$*server*client*user*realm*method*uri-prefix*resource*suffix*nonce*cnonce*nc*qop*MD5*hash
	awk -F'"' '{ n = split($6, u, ":"); pre = (n > 1) ? u[1] : ""; res = (n > 1) ? u[2] : u[1]; suf = (n > 2) ? u[3] : "";
		printf "$sip$*%s*%s*%s*%s*%s*%s*%s*%s*%s*%s*%s*%s*MD5*%s\n", $1, $2, $3, $4, $5, pre, res, suf, $7, $8, $9, $10, $12 }' \
		"$W/entry$i.dump" >"$W/entry$i.hashcat"
done

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

# MD5 limit: lane-blocks/s of the fastest kernel on one core, times cores.
LIMIT_BLOCKS=$(go test -run '^$' -bench 'BenchmarkBlock' -benchtime 1s ./internal/crack/md5x/ |
	awk '/lane-blocks\/s/ { for (i = 1; i <= NF; i++) if ($(i+1) == "lane-blocks/s" && $i > m) m = $i } END { printf "%.0f", m }')
echo "md5x kernel: $LIMIT_BLOCKS MD5 blocks/s per core"

if command -v hashcat >/dev/null; then
	echo "warming up hashcat (first run compiles its kernels)..." >&2
	hashcat -m 11400 -D 1 --potfile-disable --quiet -a 0 "$W/entry1.hashcat" "$WORDS" >/dev/null 2>&1 || true
fi

printf '\n%-10s %-8s %14s %14s %10s\n' tool qop "candidates/s" "wall s" found
for i in 1 2; do
	qop=$(awk -F'"' '{ print ($10 == "" ? "none" : $10) }' "$W/entry$i.dump")
	# Blocks per candidate: 1 for H(user:realm:pass) plus the response chain.
	tail=$(awk -F'"' '{ if ($10 != "") print ":" $7 ":" $9 ":" $8 ":" $10 ":" "0123456789abcdef0123456789abcdef"; else print ":" $7 ":0123456789abcdef0123456789abcdef" }' "$W/entry$i.dump")
	blocks=$((1 + (32 + ${#tail} + 8) / 64 + 1))

	# sipvet (all cores)
	t0=$(now)
	"$W/sipvet" crack --hashes "$W/entry$i.dump" --wordlist "$WORDS" -q --reveal --format json --fail-on none -o "$W/sipvet$i.json" >/dev/null
	t1=$(now)
	sv_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	sv_found=$(grep -c "\"password\": \"$PASS\"" "$W/sipvet$i.json" || true)
	sv_rate=$(grep -o '"candidates_per_second": [0-9.e+]*' "$W/sipvet$i.json" | awk '{ printf "%.0f", $2 }')
	printf '%-10s %-8s %14s %14s %10s\n' sipvet "$qop" "$sv_rate" "$sv_wall" "$sv_found"

	# sipcrack (one core; it asks which entry: answer through a pipe; it
	# rewrites the dump, so it works on a copy)
	cp "$W/entry$i.dump" "$W/sipcrack$i.dump"
	t0=$(now)
	out=$(echo 1 | sipcrack -w "$WORDS" "$W/sipcrack$i.dump" 2>&1 || true)
	t1=$(now)
	sc_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	sc_found=$(echo "$out" | grep -c "Found password: '$PASS'" || true)
	sc_rate=$(rate "$POS" "$sc_wall")
	printf '%-10s %-8s %14s %14s %10s\n' sipcrack "$qop" "$sc_rate" "$sc_wall" "$sc_found"

	# hashcat on the CPU (OpenCL via pocl); its own speed report and wall time.
	if command -v hashcat >/dev/null; then
		t0=$(now)
		hout=$(hashcat -m 11400 -D 1 --potfile-disable -a 0 -w 3 "$W/entry$i.hashcat" "$WORDS" 2>&1 || true)
		t1=$(now)
		hc_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		hc_found=$(echo "$hout" | grep -c ":$PASS\$" || true)
		hc_speed=$(echo "$hout" | awk '/^Speed.#\*|^Speed.#1/ { v = $2; u = $3; m = 1; if (u ~ /^kH/) m = 1e3; if (u ~ /^MH/) m = 1e6; if (u ~ /^GH/) m = 1e9; s = v * m } END { printf "%.0f", s }')
		printf '%-10s %-8s %14s %14s %10s   (hashcat speed report; end to end %s/s)\n' hashcat "$qop" "$hc_speed" "$hc_wall" "$hc_found" "$(rate "$POS" "$hc_wall")"
	fi
	limit=$(awk -v b="$LIMIT_BLOCKS" -v c="$CORES" -v k="$blocks" 'BEGIN { printf "%.0f", b * c / k }')
	echo "  ratios ($qop): sipvet/sipcrack = $(awk -v a="$sv_rate" -v b="$sc_rate" 'BEGIN { printf "%.1f", a / b }')x," \
		"sipvet/hashcat = $(awk -v a="$sv_rate" -v b="${hc_speed:-0}" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }')," \
		"MD5 limit ($blocks blocks/candidate x $CORES cores) = $limit/s, sipvet at $(awk -v a="$sv_rate" -v b="$limit" 'BEGIN { printf "%.0f%%", 100 * a / b }') of it"
done
