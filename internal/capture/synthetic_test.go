package capture

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/srtp/v3"

	"github.com/sipvet/sipvet/internal/digest"
)

// truth is what a synthetic capture holds.
type truth struct {
	user, password string
	inband, events string
	keyA, keyB     []byte // master key || salt
	srcA, srcB     []int16
}

const (
	uaA   = "10.0.0.1"
	uaB   = "10.0.0.2"
	proxy = "10.0.0.10"
	evil  = "10.0.0.66"
)

func sipMsg(start string, headers []string, body string) []byte {
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return []byte(b.String())
}

func sdpBody(addr string, port int, proto string, pts string, attrs ...string) string {
	s := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d %s %s\r\n", addr, addr, port, proto, pts)
	for _, a := range attrs {
		s += "a=" + a + "\r\n"
	}
	return s
}

func dialogHeaders(callID, fromTag, toTag, branch, via string, cseq int, method, ua string) []string {
	to := "<sip:2000@" + uaB + ">"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	return []string{
		"Via: SIP/2.0/UDP " + via + ";branch=" + branch,
		"From: \"Alice A\" <sip:1000@" + proxy + ">;tag=" + fromTag,
		"To: " + to,
		"Call-ID: " + callID,
		fmt.Sprintf("CSeq: %d %s", cseq, method),
		"User-Agent: " + ua,
	}
}

// synthetic builds the reference capture of the golden and ground-truth tests.
func synthetic(tb testing.TB) (*capBuilder, truth) {
	tb.Helper()
	b := newCap(tb)
	tr := truth{user: "1000", password: "secret1", inband: "59", events: "7#"}
	rng := rand.New(rand.NewPCG(1, 2))

	// 1. Registration with digest authentication through the proxy.
	reg := func(branch string, cseq int, auth string) []byte {
		h := []string{"Via: SIP/2.0/UDP " + uaA + ":5060;branch=" + branch, "From: <sip:1000@" + proxy + ">;tag=reg1",
			"To: <sip:1000@" + proxy + ">", "Call-ID: reg-call-1", fmt.Sprintf("CSeq: %d REGISTER", cseq), "Contact: <sip:1000@" + uaA + ":5060>", "User-Agent: SynthPhone/1.0"}
		if auth != "" {
			h = append(h, "Authorization: "+auth)
		}
		return sipMsg("REGISTER sip:"+proxy+" SIP/2.0", h, "")
	}
	b.udp(uaA+":5060", proxy+":5060", reg("z9hG4bKr1", 1, ""))
	b.advance(time.Millisecond)
	chal := `Digest realm="lab", nonce="5f2a9c1e0b7d4e88a1c3", qop="auth", algorithm=MD5`
	b.udp(proxy+":5060", uaA+":5060", sipMsg("SIP/2.0 401 Unauthorized", []string{"Via: SIP/2.0/UDP " + uaA + ":5060;branch=z9hG4bKr1",
		"From: <sip:1000@" + proxy + ">;tag=reg1", "To: <sip:1000@" + proxy + ">;tag=px1", "Call-ID: reg-call-1", "CSeq: 1 REGISTER",
		"WWW-Authenticate: " + chal, "Server: SynthProxy/2.0"}, ""))
	ch, err := digest.ParseChallenge(chal)
	if err != nil {
		tb.Fatal(err)
	}
	cred, err := digest.Answer(ch, tr.user, tr.password, digest.Request{Method: "REGISTER", URI: "sip:" + proxy}, "0a4f113b", 1)
	if err != nil {
		tb.Fatal(err)
	}
	b.advance(time.Millisecond)
	b.udp(uaA+":5060", proxy+":5060", reg("z9hG4bKr2", 2, cred.String()))
	b.advance(time.Millisecond)

	// 2. A cleartext call A → B: PCMU from A, PCMA from B, RFC 4733 events.
	offer := sdpBody(uaA, 4000, "RTP/AVP", "0 101", "rtpmap:0 PCMU/8000", "rtpmap:101 telephone-event/8000")
	b.udp(uaA+":5060", uaB+":5060", sipMsg("INVITE sip:2000@"+uaB+" SIP/2.0", append(dialogHeaders("call-1", "ft1", "", "z9hG4bKi1", uaA+":5060", 1, "INVITE", "SynthPhone/1.0"), "Contact: <sip:1000@"+uaA+">"), offer))
	b.advance(10 * time.Millisecond)
	answer := sdpBody(uaB, 4002, "RTP/AVP", "8 101", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000", "x-pad:"+strings.Repeat("p", 600))
	b.udpFragmented(uaB+":5060", uaA+":5060", sipMsg("SIP/2.0 200 OK", append(dialogHeaders("call-1", "ft1", "tt1", "z9hG4bKi1", uaA+":5060", 1, "INVITE", "SynthPhone/2.0"), "Contact: <sip:2000@"+uaB+">"), answer), 256)

	// Audio A: 400 ms of 440 Hz, DTMF 5 (200 ms), 200 ms pause, DTMF 9 (200 ms).
	var a []int16
	a = append(a, tone(3200, 0, 6000, 440)...)
	r5, c5 := dtmfFreq('5')
	a = append(a, tone(1600, 0, 5000, r5, c5)...)
	a = append(a, make([]int16, 1600)...)
	r9, c9 := dtmfFreq('9')
	a = append(a, tone(1600, 0, 5000, r9, c9)...)
	tr.srcA = a
	bAudio := make([]int16, len(a))
	for i := range bAudio {
		bAudio[i] = int16(4000*mathSin(660, i) + float64(rng.IntN(200)-100))
	}
	tr.srcB = bAudio
	seqB := uint16(7000)
	for i := 0; i*160 < len(a); i++ {
		pa := make([]byte, 160)
		pb := make([]byte, 160)
		for j := 0; j < 160; j++ {
			pa[j] = linearToUlaw(a[i*160+j])
			pb[j] = linearToAlaw(bAudio[i*160+j])
		}
		b.udp(uaA+":4000", uaB+":4002", rtpPacket(0, i == 0, uint16(1000+i), uint32(5000+160*i), 0x11111111, pa))
		b.udp(uaB+":4002", uaA+":4000", rtpPacket(8, i == 0, seqB, uint32(90000+160*i), 0x22222222, pb))
		seqB++
		if i == 10 || i == 30 {
			ev := byte(7)
			if i == 30 {
				ev = 11 // '#'
			}
			for k := 0; k < 3; k++ { // start, continuation, end (with retransmission)
				pl := []byte{ev, 10, 0, byte(160 * (k + 1))}
				if k == 2 {
					pl[1] |= 0x80
				}
				b.udp(uaB+":4002", uaA+":4000", rtpPacket(101, k == 0, seqB, uint32(90000+160*i), 0x22222222, pl))
				seqB++
			}
		}
		b.advance(20 * time.Millisecond)
	}
	// RTCP: a legitimate SR+SDES from A, a spoofed BYE for A's SSRC from evil.
	sr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.SenderReport{SSRC: 0x11111111},
		&rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{Source: 0x11111111, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: "alice@a"}}}}}})
	b.udp(uaA+":4001", uaB+":4003", sr)
	bye, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0xdeadbeef}, &rtcp.Goodbye{Sources: []uint32{0x11111111}}})
	b.udp(evil+":5555", uaB+":4003", bye)
	// Injection: A's SSRC from a second source.
	for i := 0; i < 3; i++ {
		b.udp(evil+":7000", uaB+":4002", rtpPacket(0, false, uint16(1100+i), uint32(5000+160*(100+i)), 0x11111111, bytes.Repeat([]byte{0xff}, 160)))
	}
	b.udp(uaA+":5060", uaB+":5060", sipMsg("BYE sip:2000@"+uaB+" SIP/2.0", dialogHeaders("call-1", "ft1", "tt1", "z9hG4bKb1", uaA+":5060", 2, "BYE", "SynthPhone/1.0"), ""))
	b.advance(time.Second)

	// 3. An SDES call over TCP (segments out of order): AES_CM_128_HMAC_SHA1_80
	// from A (sequence numbers wrap), VBR "Opus" with _32 from B.
	tr.keyA = make([]byte, 30)
	tr.keyB = make([]byte, 30)
	for i := range tr.keyA {
		tr.keyA[i], tr.keyB[i] = byte(rng.IntN(256)), byte(rng.IntN(256))
	}
	offer2 := sdpBody(uaA, 6000, "RTP/SAVP", "0", "rtpmap:0 PCMU/8000", "crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+base64.StdEncoding.EncodeToString(tr.keyA))
	inv := sipMsg("INVITE sip:2000@"+uaB+" SIP/2.0", append(dialogHeaders("call-2", "ft2", "", "z9hG4bKi2", uaA+":40000", 1, "INVITE", "SynthPhone/1.0"), "Contact: <sip:1000@"+uaA+";transport=tcp>"), offer2)
	b.tcp(uaA+":40000", uaB+":5060", 100, true, nil)
	b.tcp(uaA+":40000", uaB+":5060", 101+200, false, inv[200:])
	b.tcp(uaA+":40000", uaB+":5060", 101, false, inv[:200])
	answer2 := sdpBody(uaB, 6002, "RTP/SAVP", "111", "rtpmap:111 opus/48000/2", "crypto:1 AES_CM_128_HMAC_SHA1_32 inline:"+base64.StdEncoding.EncodeToString(tr.keyB))
	ok2 := sipMsg("SIP/2.0 200 OK", append(dialogHeaders("call-2", "ft2", "tt2", "z9hG4bKi2", uaA+":40000", 1, "INVITE", "SynthPhone/2.0"), "Contact: <sip:2000@"+uaB+";transport=tcp>"), answer2)
	b.tcp(uaB+":5060", uaA+":40000", 900, false, ok2)
	ctxA, err := srtp.CreateContext(tr.keyA[:16], tr.keyA[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		tb.Fatal(err)
	}
	ctxB, err := srtp.CreateContext(tr.keyB[:16], tr.keyB[16:], srtp.ProtectionProfileAes128CmHmacSha1_32)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i*160 < len(a); i++ {
		pa := make([]byte, 160)
		for j := range pa {
			pa[j] = linearToUlaw(a[i*160+j])
		}
		enc, err := ctxA.EncryptRTP(nil, rtpPacket(0, i == 0, uint16(65520+i), uint32(160*i), 0x33333333, pa), nil)
		if err != nil {
			tb.Fatal(err)
		}
		b.udp(uaA+":6000", uaB+":6002", enc)
		size := 20 + rng.IntN(120)
		encB, err := ctxB.EncryptRTP(nil, rtpPacket(111, i == 0, uint16(3000+i), uint32(960*i), 0x44444444, bytes.Repeat([]byte{byte(i)}, size)), nil)
		if err != nil {
			tb.Fatal(err)
		}
		b.udp(uaB+":6002", uaA+":6000", encB)
		b.advance(20 * time.Millisecond)
	}
	srA, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.SenderReport{SSRC: 0x33333333}})
	encSR, err := ctxA.EncryptRTCP(nil, srA, nil)
	if err != nil {
		tb.Fatal(err)
	}
	b.udp(uaA+":6001", uaB+":6003", encSR)
	b.advance(time.Second)

	// 4. TLS, then cleartext from the same client (item 05).
	hello := []byte{0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 1, 0}
	b.tcp("10.0.0.5:50000", proxy+":5061", 1, true, nil)
	b.tcp("10.0.0.5:50000", proxy+":5061", 2, false, hello)
	b.advance(time.Second)
	b.udp("10.0.0.5:5060", proxy+":5060", sipMsg("OPTIONS sip:"+proxy+" SIP/2.0", []string{"Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKo1",
		"From: <sip:3000@" + proxy + ">;tag=o1", "To: <sip:" + proxy + ">", "Call-ID: opt-1", "CSeq: 1 OPTIONS", "User-Agent: FallbackPhone"}, ""))
	return b, tr
}

func mathSin(f float64, i int) float64 {
	return sinTable(f, i)
}

// analyze runs the analyser over capture bytes.
func analyze(tb testing.TB, data []byte, o Options) (*Report, ReadStats) {
	tb.Helper()
	rep, st, err := Analyze(context.Background(), bytes.NewReader(data), o)
	if err != nil {
		tb.Fatalf("analyze: %v", err)
	}
	return rep, st
}
