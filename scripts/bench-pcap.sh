#!/usr/bin/env bash
# bench-pcap.sh — `sipvet pcap` against tshark on the same large capture.
#
#   scripts/bench-pcap.sh [MB]        (default 300)
#
# Builds /tmp/sipvet-bench.pcap (never committed) by replicating the real
# baresip/kamailio calls of internal/capture/testdata/real with shifted
# addresses and SSRCs (50 calls of each kind at a time), then times, on the
# same machine and file:
#   1. sipvet pcap FILE (full audit: SIP dialogs, digests, SDES, SRTP
#      decryption, G.711 decoding, DTMF, VBR entropy, identifiers)
#   2. tshark -q -z rtp,streams
#   3. tshark -Y sip -T fields (a SIP field export)
# and prints MB/s, packets/s, peak RSS (/usr/bin/time -v) and the ratios.
# sipvet and tshark's rtp,streams run RUNS times each (default 3, interleaved)
# and the shortest time of each counts.
set -euo pipefail

mb=${1:-300}
here=$(cd "$(dirname "$0")/.." && pwd)
cap=/tmp/sipvet-bench.pcap
bin=/tmp/sipvet-bench-bin
for p in tshark capinfos /usr/bin/time go; do
	command -v "$p" >/dev/null || { echo "bench-pcap: $p is missing" >&2; exit 1; }
done

cd "$here"
echo "building the capture ($mb MB) ..."
SIPVET_BENCH_OUT=$cap SIPVET_BENCH_MB=$mb go test -count=1 -run '^TestMakeBenchCapture$' ./internal/capture/ >/dev/null
go build -o "$bin" ./cmd/sipvet
bytes=$(stat -c %s "$cap")
frames=$(capinfos -M -c -T "$cap" | awk -F'\t' 'NR==2 {print $2}')
echo "capture: $cap, $((bytes / 1000000)) MB, $frames frames"
# Warm the page cache so every tool reads from memory.
cat "$cap" >/dev/null

# run NAME RUNS CMD... : the shortest wall time of RUNS runs (the machine is
# shared: the minimum is the least disturbed) and the largest peak RSS.
declare -A wall rss
run() {
	local name=$1 n=$2
	shift 2
	local log w r
	log=$(mktemp)
	for ((i = 0; i < n; i++)); do
		/usr/bin/time -v "$@" >/dev/null 2>"$log" || true
		w=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
		r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
		if [ -z "${wall[$name]:-}" ] || awk -v a="$w" -v b="${wall[$name]}" 'BEGIN {exit !(a < b)}'; then
			wall[$name]=$w
		fi
		if [ -z "${rss[$name]:-}" ] || [ "$r" -gt "${rss[$name]}" ]; then
			rss[$name]=$r
		fi
	done
	rm -f "$log"
}

# RUNS runs of sipvet and of tshark's rtp,streams, interleaved; one of the
# (much slower) SIP field export.
runs=${RUNS:-3}
for ((k = 0; k < runs; k++)); do
	run sipvet 1 "$bin" pcap "$cap" --format json -o /tmp/sipvet-bench.json --fail-on none
	run rtp_streams 1 tshark -n -q -r "$cap" -z rtp,streams
done
run sip_fields 1 tshark -n -r "$cap" -Y sip -T fields -e frame.number -e ip.src -e ip.dst -e sip.Method -e sip.Status-Code \
	-e sip.Call-ID -e sip.from.user -e sip.to.user -e sip.User-Agent -e sip.auth.username

printf '\n%-34s %9s %10s %12s %10s %8s\n' tool seconds MB/s packets/s "peak MB" ratio
for n in sipvet rtp_streams sip_fields; do
	w=${wall[$n]}
	case $n in
	sipvet) label="sipvet pcap (full audit)" ;;
	rtp_streams) label="tshark -q -z rtp,streams" ;;
	sip_fields) label="tshark -Y sip -T fields" ;;
	esac
	awk -v l="$label" -v w="$w" -v b="$bytes" -v f="$frames" -v r="${rss[$n]}" -v s="${wall[sipvet]}" \
		'BEGIN { printf "%-34s %9.2f %10.1f %12.0f %10.1f %7.1fx\n", l, w, b/1e6/w, f/w, r/1024, w/s }'
done
echo
echo "ratio = tool seconds / sipvet seconds (how many times faster sipvet is); goal >= 20x"
