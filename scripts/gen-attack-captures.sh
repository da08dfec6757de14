#!/usr/bin/env bash
# gen-attack-captures.sh — make the real captures of internal/capture's
# TestRealAttackCaptures: what an eavesdropper records when real software
# is attacked, makes many calls, or sends SIP in IPv6 fragments.
#
#   scripts/gen-attack-captures.sh OUTDIR
#
# OUTDIR receives:
#   attacks.pcapng   sipvet's ipa09.rtp-inject and ipa10.rtcp-bye-spoof run
#                    against an auto-answering baresip: RTP with sipvet's SSRC
#                    injected from 127.0.0.2, RTCP BYE forged from 127.0.0.2
#   sipp-calls.pcapng  sipp's built-in UAC placing 25 calls to its built-in
#                    UAS (Call-IDs "N-PID@IP", counter branches and tags)
#   frag6.pcapng     sipp over IPv6 in a network namespace whose loopback MTU
#                    is 1280: INVITEs of about 2 KB leave the kernel in two
#                    fragments each; the second one carries carol's digest
#                    credentials (password kumquat42, scripts/captures/*.xml)
#   failover.pcapng  kamailio (scripts/captures/kamailio-failover.cfg) relaying
#                    a sipp call to its next hop over TLS, failing (it does
#                    not trust the next hop's certificate) and sending the
#                    call again over UDP: a TLS-to-cleartext failover
#
# Needs: baresip, sipp, dumpcap (tshark), go, kamailio with its tls module,
# openssl, unshare and ip (root, for the network namespace). KEEP=1 keeps
# the work directory.
set -euo pipefail

. "$(dirname "$0")/captures/lib.sh"
capture_init gen-attack-captures "${1:?usage: gen-attack-captures.sh OUTDIR}" baresip sipp dumpcap go unshare ip python3 kamailio openssl

# A free UDP port on 127.0.0.1, chosen by the kernel.
port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# sipp_bg ARGS...: start sipp in the background (-bg) and remember its PID
# (sipp's parent exits at once, non-zero, and prints the child's PID).
sipp_bg() {
	local pid
	pid=$(cd "$work" && sipp "$@" -nostdin -bg 2>&1 | sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p') || true
	[ -n "$pid" ] || { echo "gen-attack-captures: sipp $* did not start" >&2; exit 1; }
	pids+=("$pid")
}


(cd "$here" && go build -o "$work/sipvet" ./cmd/sipvet)

# 1. sipvet attacks an auto-answering baresip (plain RTP, RTCP on).
bp=$(port)
mkdir -p "$work/ua"
cat >"$work/ua/config" <<CFG
poll_method		epoll
sip_listen		127.0.0.1:$bp
sip_trans_def		udp
net_interface		127.0.0.1
audio_source		aufile,$here/internal/capture/testdata/real/source.wav
audio_player		aufile,$work/ua/heard.wav
audio_alert		aufile,$work/ua/alert.wav
rtp_ports		41000-41098
rtcp_mux		no
jitter_buffer_delay	1-10
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			account.so
CFG
echo "<sip:ua@127.0.0.1:$bp>;regint=0;answermode=auto" >"$work/ua/accounts"
: >"$work/ua/contacts"
capture_start "$out/attacks.pcapng" "udp and (port $bp or portrange 41000-41099 or host 127.0.0.2)"
baresip -f "$work/ua" -t 60 >"$work/baresip.log" 2>&1 &
pids+=($!)
sleep 2
"$work/sipvet" scan "sip:ua@127.0.0.1:$bp" --checks ipa09.rtp-inject,ipa10.rtcp-bye-spoof \
	--format json -o "$work/scan.json" --fail-on none >"$work/scan.log" 2>&1
capture_stop

# 2. Many calls from one client: sipp's built-in UAC and UAS.
sp=$(port)
cp=$(port)
capture_start "$out/sipp-calls.pcapng" "udp and port $sp"
sipp_bg -sn uas -i 127.0.0.1 -p "$sp"
sleep 0.5
(cd "$work" && sipp -sn uac -i 127.0.0.1 -p "$cp" "127.0.0.1:$sp" -m 25 -r 10 -d 100 -nostdin >/dev/null 2>&1)
capture_stop

# 3. SIP in IPv6 fragments made by the kernel: a network namespace of our
# own whose loopback has the IPv6 minimum MTU.
# Everything started in the namespace is stopped by the inner trap.
FRAG_OUT="$out/frag6.pcapng" WORK="$work" SCEN="$here/scripts/captures" unshare -n sh -c '
set -e
cap= uas=
trap "set +e; [ -n \"\$uas\" ] && kill \$uas 2>/dev/null; [ -n \"\$cap\" ] && kill -INT \$cap 2>/dev/null; wait" EXIT
ip link set lo up
ip link set lo mtu 1280
dumpcap -q -i lo -f udp -w "$FRAG_OUT" >"$WORK/dumpcap6.log" 2>&1 & cap=$!
sleep 1
cd "$WORK"
timeout 20 sipp -sf "$SCEN/uas_challenge.xml" -i ::1 -p 45080 -m 1 -nostdin >/dev/null 2>&1 & uas=$!
sleep 0.5
timeout 10 sipp -sf "$SCEN/uac_auth_big.xml" -i ::1 -p 45081 -s ring "[::1]:45080" -m 1 -nostdin >/dev/null 2>&1
sleep 0.5
'


# 4. TLS-to-cleartext failover in a proxy: kamailio on 127.0.0.1 relays to
# 127.0.0.4, first over TLS (refused: untrusted certificate), then UDP.
kp=$(port)
tp=$(port)
up=$(port)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.4" \
	-keyout "$work/next.key" -out "$work/next.crt" >/dev/null 2>&1
cat >"$work/tls.cfg" <<TLS
[server:default]
method = TLSv1.2+
private_key = $work/next.key
certificate = $work/next.crt

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = /etc/ssl/certs/ca-certificates.crt
TLS
openssl s_server -accept "127.0.0.4:$tp" -cert "$work/next.crt" -key "$work/next.key" -quiet >"$work/s_server.log" 2>&1 &
pids+=($!)
sipp_bg -sn uas -i 127.0.0.4 -p "$up"
kamailio -f "$here/scripts/captures/kamailio-failover.cfg" -DD -E -m 64 -M 8 -P "$work/kamailio.pid" -Y "$work" -w "$work" \
	-l "udp:127.0.0.1:$kp" -l "tls:127.0.0.1:$((kp + 1))" -A "TLSCFG=\"$work/tls.cfg\"" \
	-A 'NEXTHOP="127.0.0.4"' -A "TLSPORT=\"$tp\"" -A "UDPPORT=\"$up\"" >"$work/kamailio.log" 2>&1 &
pids+=($!)
sleep 2
capture_start "$out/failover.pcapng" "host 127.0.0.4 or port $kp"
(cd "$work" && sipp -sn uac -i 127.0.0.1 "127.0.0.1:$kp" -m 1 -d 500 -nostdin >/dev/null 2>&1)
capture_stop
ls -l "$out"
