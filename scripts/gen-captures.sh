#!/usr/bin/env bash
# gen-captures.sh — make the real captures of internal/capture's tests with
# real software on loopback: baresip calling baresip through kamailio (digest
# authentication over UDP), captured with dumpcap.
#
#   scripts/gen-captures.sh OUTDIR
#
# OUTDIR receives:
#   g711.pcapng        PCMU call through kamailio (REGISTER with qop=auth,
#                      INVITE challenged without qop), RFC 4733 DTMF
#   srtp.pcapng        the same with mediaenc=srtp-mand (SDES keys in SDP)
#   opus-srtp.pcapng   Opus (VBR) over SDES-SRTP
#   g722.pcapng        G.722 (wideband, 16 kHz audio) call through kamailio
#   tls-srtp.pcapng    baresip → baresip over SIP/TLS with SDES: no digest and
#                      no key may be reported
#   source.wav         the audio both callers send (espeak-ng speaking digits)
#   truth.env          the ground truth: passwords, digits, keys come from the
#                      captures themselves and are checked by the Go test
#
# Needs: kamailio, baresip, espeak-ng, sox, dumpcap (tshark), openssl, python3.
# KEEP=1 keeps the work directory (configs and logs of every peer).
# ONLY=NAME makes only that capture (g711, srtp, opus-srtp, g722, tls-srtp)
# with the source.wav already in OUTDIR (made anew when missing); truth.env
# is written only by a full run.
set -euo pipefail

. "$(dirname "$0")/captures/lib.sh"
capture_init gen-captures "${1:?usage: gen-captures.sh OUTDIR}" kamailio baresip espeak-ng sox dumpcap openssl

# A free port on 127.0.0.1 (UDP and TCP, and the next one too), chosen by
# the kernel.
port() {
	python3 - <<'PY'
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    ok = p < 65000
    for q in (p, p + 1):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            if q == p and kind == socket.SOCK_DGRAM:
                continue
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                ok = False
            s.close()
    u.close()
    if ok:
        print(p)
        break
PY
}

DIGITS="4 7 1 9"
DTMF="2580"
if [ -n "${ONLY:-}" ] && [ -f "$out/source.wav" ]; then
	: # one capture added to a set: keep the set's source (espeak-ng output varies between runs)
else
	espeak-ng -s 140 -w "$work/speech.wav" "$DIGITS"
	sox "$work/speech.wav" -r 8000 -c 1 -b 16 "$out/source.wav" pad 0.3 0
	sox "$out/source.wav" "$work/padded.wav" pad 0 $(python3 -c "import sys; print(max(0.5, 6.5 - float(sys.argv[1])))" "$(soxi -D "$out/source.wav")")
	mv "$work/padded.wav" "$out/source.wav"
fi
cp "$out/source.wav" "$work/source.wav"
# Opus runs at 48 kHz stereo, and baresip's aufile does not resample.
sox "$out/source.wav" -r 48000 -c 2 "$work/source48.wav"
# G.722 runs at 16 kHz.
sox "$out/source.wav" -r 16000 -c 1 "$work/source16.wav"
src="$work/source.wav"

# kamailio registrar/proxy with digest authentication.
kport=$(port)
kamailio -f "$here/internal/peertest/testdata/kamailio-capture.cfg" -DD -E -m 64 -M 8 \
	-P "$work/kamailio.pid" -Y "$work" -w "$work" -l "udp:127.0.0.1:$kport" >"$work/kamailio.log" 2>&1 &
pids+=($!)
sleep 1

# baresip instance NAME SIPPORT CONSPORT ACCOUNT [EXTRA CONFIG LINES]
baresip_cfg() {
	local name=$1 sport=$2 cport=$3 account=$4 extra=${5:-}
	local d="$work/$name"
	mkdir -p "$d"
	local rtp=$((sport + 2))
	cat >"$d/config" <<CFG
poll_method		epoll
sip_listen		127.0.0.1:$sport
net_interface		127.0.0.1
audio_player		aufile,$d/heard.wav
audio_source		aufile,$src
audio_alert		aufile,$d/alert.wav
rtp_ports		$rtp-$((rtp + 20))
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			cons.so
module			g711.so
module			opus.so
module			g722.so
module			aufile.so
module			srtp.so
module_tmp		account.so
module_app		menu.so
cons_listen		127.0.0.1:$cport
opus_bitrate		24000
$extra
CFG
	echo "$account" >"$d/accounts"
}

start_baresip() {
	local name=$1 secs=$2
	baresip -f "$work/$name" -t "$secs" >"$work/$name.log" 2>&1 &
	pids+=($!)
}

cons() { printf '%s\n' "$2" >"/dev/udp/127.0.0.1/$1"; }


# call NAME MEDIAENC CODECS: alice calls bob through kamailio and sends DTMF.
call() {
	local name=$1 enc=$2 codecs=$3
	local ap bp ac bc
	ap=$(port); bp=$(port); ac=$(port); bc=$(port)
	local params="auth_pass=%s;regint=600;answermode=auto;audio_codecs=$codecs"
	[ -n "$enc" ] && params="$params;mediaenc=$enc"
	baresip_cfg "$name-bob" "$bp" "$bc" "<sip:bob@127.0.0.1:$kport>;$(printf "$params" builder)"
	baresip_cfg "$name-alice" "$ap" "$ac" "<sip:alice@127.0.0.1:$kport>;$(printf "$params" wonderland)"
	capture_start "$out/$name.pcapng" "udp and (port $kport or port $ap or port $bp or portrange $((ap + 2))-$((ap + 22)) or portrange $((bp + 2))-$((bp + 22)))"
	start_baresip "$name-bob" 14
	start_baresip "$name-alice" 13
	sleep 2
	cons "$ac" "/dial sip:bob@127.0.0.1:$kport"
	sleep 3.5
	for ((i = 0; i < ${#DTMF}; i++)); do
		cons "$ac" "${DTMF:i:1}"
		sleep 0.4
	done
	sleep 1.5
	cons "$ac" "/hangup"
	sleep 1
	capture_stop
}

want() { [ -z "${ONLY:-}" ] || [ "$ONLY" = "$1" ]; }

want g711 && call g711 "" PCMU
want srtp && call srtp srtp-mand PCMU
src="$work/source48.wav"
want opus-srtp && call opus-srtp srtp-mand opus/48000/2
src="$work/source16.wav"
want g722 && call g722 "" G722/16000/1
src="$work/source.wav"
want tls-srtp || { ls -l "$out"; exit 0; }

# SIP over TLS with SDES, directly between the two baresips: the keys and
# any digest are inside TLS, so sipvet must report neither.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-keyout "$work/key.pem" -out "$work/crt.pem" >/dev/null 2>&1
cat "$work/key.pem" "$work/crt.pem" >"$work/cert.pem"
ap=$(port); bp=$(port); ac=$(port); bc=$(port)
baresip_cfg tls-bob "$bp" "$bc" "<sip:bob@127.0.0.1:$bp;transport=tls>;regint=0;answermode=auto;audio_codecs=PCMU;mediaenc=srtp-mand" \
	"sip_certificate		$work/cert.pem
sip_cafile		$work/crt.pem"
baresip_cfg tls-alice "$ap" "$ac" "<sip:alice@127.0.0.1:$ap;transport=tls>;regint=0;answermode=auto;audio_codecs=PCMU;mediaenc=srtp-mand" \
	"sip_certificate		$work/cert.pem
sip_cafile		$work/crt.pem"
capture_start "$out/tls-srtp.pcapng" "port $ap or port $bp or port $((ap + 1)) or port $((bp + 1)) or portrange $((ap + 2))-$((ap + 22)) or portrange $((bp + 2))-$((bp + 22))"
start_baresip tls-bob 12
start_baresip tls-alice 11
sleep 1.5
cons "$ac" "/dial sip:bob@127.0.0.1:$((bp + 1));transport=tls"
sleep 5
cons "$ac" "/hangup"
sleep 1
capture_stop
echo "DIGITS=\"$DIGITS\"" >"$out/truth.env"
echo "DTMF=$DTMF" >>"$out/truth.env"
echo "ALICE=wonderland" >>"$out/truth.env"
echo "BOB=builder" >>"$out/truth.env"
ls -l "$out"
