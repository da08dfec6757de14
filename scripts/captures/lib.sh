# lib.sh — sourced by scripts/gen-captures.sh and scripts/gen-attack-captures.sh.
#
#   capture_init NAME OUTDIR TOOL...  sets out (absolute, created), here (the
#                                     repository), work (a new directory,
#                                     removed on exit unless KEEP=1) and
#                                     pids (killed on exit); fails unless
#                                     every TOOL is installed
#   capture_start FILE FILTER         dumpcap on lo into FILE
#   capture_stop                      stops it and waits for the file
capture_init() {
	local name=$1
	out=$2
	shift 2
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	for p in "$@"; do
		command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] || { echo "$name: $p is not installed" >&2; exit 1; }
	done
	work=$(mktemp -d "/tmp/sipvet-$name.XXXXXX")
	pids=()
	trap capture_cleanup EXIT
}

capture_cleanup() {
	for p in "${pids[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

capture_start() {
	dumpcap -q -i lo -f "$2" -w "$1" >"$work/dumpcap.log" 2>&1 &
	cap_pid=$!
	pids+=("$cap_pid")
	sleep 1
}

capture_stop() {
	sleep 0.5
	kill -INT "$cap_pid" 2>/dev/null || true
	wait "$cap_pid" 2>/dev/null || true
}
