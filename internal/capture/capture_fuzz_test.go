package capture

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// FuzzRead feeds arbitrary files to the reader and the analyser: they must
// not panic (the analyser's per-packet recovery must not fire either) and
// must not hand on more packets than frames.
func FuzzRead(f *testing.F) {
	b, _ := synthetic(f)
	full := b.pcap(layers.LinkTypeEthernet, false)
	f.Add(full[:min(len(full), 4000)])
	ng := b.pcapng(layers.LinkTypeLinuxSLL2)
	f.Add(ng[:min(len(ng), 4000)])
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})
	v6 := newCap(f)
	v6.udp6Fragments("[2001:db8::10]:5060", "[2001:db8::1]:5060", []byte("MESSAGE sip:a@b SIP/2.0\r\nCall-ID: f\r\n\r\n"+strings.Repeat("x", 64)), 9,
		[]frag6{{48, 200, false}, {0, 24, true}, {24, 48, true}})
	f.Add(v6.pcap(layers.LinkTypeEthernet, false))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := NewAnalyzer(Options{Audio: newMemStore()})
		st, err := Read(context.Background(), bytes.NewReader(data), a.Packet)
		rep := a.Finish()
		if err == nil && st.Packets > st.Frames {
			t.Fatalf("%d packets from %d frames", st.Packets, st.Frames)
		}
		if rep.Failed != 0 {
			t.Fatalf("analyser failed: %s", rep.FirstFailure)
		}
	})
}

// FuzzAnalyzerUDP sends arbitrary datagrams into a call set up by SDP (with
// SDES keys), so they reach the RTP, SRTP, RTCP, DTMF and audio paths.
func FuzzAnalyzerUDP(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n"), uint8(0))
	f.Add(rtpPacket(0, true, 1, 160, 7, bytes.Repeat([]byte{0x55}, 160)), uint8(1))
	f.Add(rtpPacket(101, true, 2, 160, 7, []byte{5, 0x8a, 0, 160}), uint8(1))
	f.Add([]byte{0x81, 203, 0, 1, 0, 0, 0, 7}, uint8(2))
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff}, uint8(1))
	b, _ := synthetic(f)
	setup := b.pcap(layers.LinkTypeRaw, false) // sets up the dialogs and keys
	f.Fuzz(func(t *testing.T, data []byte, dir uint8) {
		a := NewAnalyzer(Options{Audio: newMemStore()})
		_, _ = Read(context.Background(), bytes.NewReader(setup), a.Packet)
		srcs := []string{"10.0.0.1:4000", "10.0.0.1:6000", "10.0.0.1:6001", "10.0.0.66:9"}
		dsts := []string{"10.0.0.2:4002", "10.0.0.2:6002", "10.0.0.2:6003", "10.0.0.2:4003"}
		i := int(dir) % len(srcs)
		for k := 0; k < 5; k++ {
			p := &Packet{Index: int64(k), Time: time.Unix(1, 0), Proto: UDP, Src: netip.MustParseAddrPort(srcs[i]),
				Dst: netip.MustParseAddrPort(dsts[i]), Payload: data}
			a.Packet(p)
			p.Proto = TCP
			a.Packet(p)
		}
		rep := a.Finish()
		if rep.Failed != 0 {
			t.Fatalf("analyser failed: %s", rep.FirstFailure)
		}
	})
}

// FuzzParseSDP: the pion path and the raw fallback never panic and stay
// within the media bound.
func FuzzParseSDP(f *testing.F) {
	f.Add([]byte(sdpBody("10.0.0.1", 4000, "RTP/SAVP", "0 101", "rtpmap:0 PCMU/8000", "crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:4")))
	f.Add([]byte("v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:99999\r\na=crypto:x\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ms := range [][]sdpMedia{parseSDP(data), parseSDPRaw(string(data))} {
			if len(ms) > maxSDPMedia {
				t.Fatalf("%d media sections", len(ms))
			}
			for _, m := range ms {
				if len(m.Crypto) > 8 {
					t.Fatalf("%d keys", len(m.Crypto))
				}
				for _, k := range m.Crypto {
					if k.Profile != 0 {
						kl, _ := k.Profile.KeyLen()
						sl, _ := k.Profile.SaltLen()
						if len(k.Key) != kl || len(k.Salt) != sl {
							t.Fatalf("key %d/%d bytes for %s", len(k.Key), len(k.Salt), k.Suite)
						}
					}
				}
			}
		}
	})
}

// FuzzParseRTP: the header length never exceeds the packet.
func FuzzParseRTP(f *testing.F) {
	f.Add(rtpPacket(0, false, 1, 2, 3, []byte{1, 2, 3}))
	f.Add([]byte{0x9f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, ok := parseRTP(data)
		if ok && (h.hlen > len(data) || h.hlen < 12) {
			t.Fatalf("header length %d for %d bytes", h.hlen, len(data))
		}
		_ = payloadOf(data, h)
	})
}

// FuzzTCPFrames: framing returns only whole messages within the limit and
// keeps its buffer bounded.
func FuzzTCPFrames(f *testing.F) {
	f.Add([]byte("OPTIONS sip:a SIP/2.0\r\nContent-Length: 3\r\n\r\nabcREGISTER sip:b SIP/2.0\r\nl: 0\r\n\r\n"), 7)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		var s tcpStream
		if cut < 0 || cut > len(data) {
			cut = len(data) / 2
		}
		msgs := append(s.frames(data[:cut]), s.frames(data[cut:])...)
		for _, m := range msgs {
			if len(m) > maxSIPMessage+len(data) {
				t.Fatalf("message of %d bytes", len(m))
			}
		}
		if len(s.buf) > maxStreamBuffer+len(data) {
			t.Fatalf("buffer %d", len(s.buf))
		}
	})
}
