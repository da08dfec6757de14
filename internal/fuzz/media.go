package fuzz

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// mediaCase is one media test before rendering.
type mediaCase struct {
	group, detail string
	kind          Kind
	codec         bool
	build         func(p Params, n int) []byte
}

// rtpPacket builds an RTP packet (RFC 3550 §5.1) from raw header fields,
// without checking them, so malformed packets can be made.
func rtpPacket(version, pad, ext, cc, marker, pt int, seq uint16, ts, ssrc uint32, rest []byte) []byte {
	b := make([]byte, 12, 12+len(rest))
	b[0] = byte(version<<6 | pad<<5 | ext<<4 | cc&0x0f)
	b[1] = byte(marker<<7 | pt&0x7f)
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return append(b, rest...)
}

const mediaSSRC = 0x5151fee7

func repeatByte(n int, c byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func mediaCases() []mediaCase {
	var out []mediaCase
	rtp := func(group, detail string, codec bool, f func(p Params, n int) []byte) {
		out = append(out, mediaCase{"media/rtp " + group, detail, KindRTP, codec, f})
	}
	std := func(pt int, payload []byte) func(Params, int) []byte {
		return func(_ Params, n int) []byte {
			return rtpPacket(2, 0, 0, 0, 0, pt, uint16(n), uint32(n*160), mediaSSRC, payload)
		}
	}
	// header
	for _, v := range []int{0, 1, 3} {
		v := v
		rtp("header", fmt.Sprintf("version %d", v), false, func(_ Params, n int) []byte {
			return rtpPacket(v, 0, 0, 0, 0, 0, uint16(n), 0, mediaSSRC, repeatByte(160, 0xff))
		})
	}
	for _, padLen := range []byte{0, 161, 255} {
		padLen := padLen
		rtp("header", fmt.Sprintf("padding length %d", padLen), false, func(_ Params, n int) []byte {
			return rtpPacket(2, 1, 0, 0, 0, 0, uint16(n), 0, mediaSSRC, append(repeatByte(160, 0xff), padLen))
		})
	}
	rtp("header", "extension length 65535 without data", false, func(_ Params, n int) []byte {
		return rtpPacket(2, 0, 1, 0, 0, 0, uint16(n), 0, mediaSSRC, []byte{0xbe, 0xde, 0xff, 0xff})
	})
	rtp("header", "extension bit, no extension", false, func(_ Params, n int) []byte {
		return rtpPacket(2, 0, 1, 0, 0, 0, uint16(n), 0, mediaSSRC, nil)
	})
	rtp("header", "15 CSRCs announced, none present", false, func(_ Params, n int) []byte {
		return rtpPacket(2, 0, 0, 15, 0, 0, uint16(n), 0, mediaSSRC, repeatByte(4, 0))
	})
	for _, pt := range []int{35, 72, 73, 76, 127} {
		rtp("header", fmt.Sprintf("payload type %d", pt), false, std(pt, repeatByte(160, 0x55)))
	}
	rtp("header", "sequence wrap and timestamp jump", false, func(_ Params, n int) []byte {
		return rtpPacket(2, 0, 0, 0, 1, 0, 0xffff, 0xfffffff0, mediaSSRC, repeatByte(160, 0xff))
	})
	rtp("header", "SSRC 0", false, func(_ Params, n int) []byte {
		return rtpPacket(2, 0, 0, 0, 0, 0, uint16(n), 0, 0, repeatByte(160, 0xff))
	})
	for _, size := range []int{0, 1, 11} {
		size := size
		rtp("header", fmt.Sprintf("%d-byte packet", size), false, func(_ Params, n int) []byte {
			return rtpPacket(2, 0, 0, 0, 0, 0, uint16(n), 0, mediaSSRC, nil)[:size]
		})
	}
	rtp("header", "header only", false, std(0, nil))
	rtp("header", "1500-byte payload", false, std(0, repeatByte(1500, 0x7f)))
	rtp("header", "8000-byte payload", false, std(0, repeatByte(8000, 0x7f)))
	// codec payloads (item 11)
	for _, c := range []struct {
		name string
		pt   int
	}{{"PCMU", 0}, {"PCMA", 8}, {"G722", 9}, {"G729", 18}} {
		for _, size := range []int{1, 2, 159, 161, 321, 4096} {
			rtp("codec "+c.name, fmt.Sprintf("%d-byte payload", size), true, std(c.pt, repeatByte(size, 0xd5)))
		}
	}
	for _, o := range []struct {
		d string
		b []byte
	}{
		{"TOC code 3, frame count 0", []byte{0x7b, 0x00}},
		{"TOC code 3, frame count 63, no data", []byte{0x7b, 0x3f}},
		{"TOC code 3, VBR padding overflow", []byte{0x7b, 0xc5, 0xff, 0xff, 0xff, 0xff}},
		{"TOC code 2, frame length beyond packet", []byte{0x7a, 0xfc, 0xff, 0x01}},
		{"TOC code 1, odd length", []byte{0x79, 0x01, 0x02}},
		{"TOC only", []byte{0x78}},
		{"1275-byte frame limit exceeded", append([]byte{0x78}, repeatByte(1400, 0xaa)...)},
	} {
		rtp("codec Opus", o.d, true, std(111, o.b))
	}
	for _, e := range []struct {
		d string
		b []byte
	}{
		{"event 255", []byte{0xff, 0x0a, 0x00, 0xa0}},
		{"volume 63, end bit", []byte{0x01, 0xbf, 0x00, 0xa0}},
		{"duration 0", []byte{0x05, 0x0a, 0x00, 0x00}},
		{"duration 65535", []byte{0x05, 0x0a, 0xff, 0xff}},
		{"3-byte event", []byte{0x05, 0x0a, 0x00}},
		{"5-byte event", []byte{0x05, 0x0a, 0x00, 0xa0, 0x00}},
		{"100 events in one packet", repeatByte(400, 0x05)},
		{"empty event", nil},
	} {
		rtp("codec telephone-event", e.d, true, std(101, e.b))
	}
	// RTCP (RFC 3550 §6)
	rtcp := func(detail string, b []byte) {
		out = append(out, mediaCase{"media/rtcp", detail, KindRTCP, false, func(Params, int) []byte { return b }})
	}
	ssrc := []byte{0x51, 0x51, 0xfe, 0xe7}
	rtcp("SR length field 0xffff", append([]byte{0x80, 200, 0xff, 0xff}, ssrc...))
	rtcp("SR length too small", append([]byte{0x80, 200, 0x00, 0x01}, ssrc...))
	rtcp("RR announcing 31 blocks, none present", append([]byte{0x9f, 201, 0x00, 0x01}, ssrc...))
	rtcp("SDES item length beyond packet", append(append([]byte{0x81, 202, 0x00, 0x03}, ssrc...), 0x01, 0xff, 'a', 'b'))
	rtcp("SDES unterminated item list", append(append([]byte{0x81, 202, 0x00, 0x02}, ssrc...), 0x01, 0x02, 'a', 'b'))
	rtcp("BYE announcing 31 sources, one present", append([]byte{0x9f, 203, 0x00, 0x01}, ssrc...))
	rtcp("BYE reason length beyond packet", append(append([]byte{0x81, 203, 0x00, 0x02}, ssrc...), 0xff, 'x', 'y', 'z'))
	rtcp("APP length 0xffff", append(append([]byte{0x80, 204, 0xff, 0xff}, ssrc...), 'S', 'V', 'E', 'T'))
	rtcp("version 0", append([]byte{0x00, 200, 0x00, 0x01}, ssrc...))
	rtcp("compound with zero-length part", append(append([]byte{0x80, 201, 0x00, 0x01}, ssrc...), 0x80, 202, 0x00, 0x00))
	rtcp("4 bytes", []byte{0x80, 200, 0x00, 0x06})
	out = append(out, mediaCase{"media/rtcp", "1200 random bytes", KindRTCP, false, func(p Params, n int) []byte {
		r := rng(p.Seed, "media", n)
		b := make([]byte, 1200)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		b[0], b[1] = 0x80, 200
		return b
	}})
	// SDP inside the call (re-INVITE)
	for _, s := range []struct{ d, body string }{
		{"m= port 65536", "m=audio 65536 RTP/AVP 0"},
		{"m= port -1", "m=audio -1 RTP/AVP 0"},
		{"c= address 999.1.1.1", "c=IN IP4 999.1.1.1\r\nm=audio 49170 RTP/AVP 0"},
		{"rtpmap clock rate 0", "m=audio 49170 RTP/AVP 96\r\na=rtpmap:96 opus/0/2"},
		{"rtpmap 255 channels", "m=audio 49170 RTP/AVP 96\r\na=rtpmap:96 opus/48000/255"},
		{"fmtp 4096 bytes", "m=audio 49170 RTP/AVP 101\r\na=fmtp:101 " + strings.Repeat("0-15,", 820)},
		{"a=rtcp port 70000", "m=audio 49170 RTP/AVP 0\r\na=rtcp:70000"},
		{"ptime 0 and maxptime -1", "m=audio 49170 RTP/AVP 0\r\na=ptime:0\r\na=maxptime:-1"},
		{"500 m= lines", strings.Repeat("m=audio 49170 RTP/AVP 0\r\n", 500)},
		{"crypto garbage", "m=audio 49170 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%%%%%%%%|2^999|1:999"},
		{"payload type 300", "m=audio 49170 RTP/AVP 300\r\na=rtpmap:300 PCMU/8000"},
	} {
		s := s
		out = append(out, mediaCase{"media/sdp", s.d, KindSIP, false, func(p Params, n int) []byte {
			d := DialogFor(p, "media", n/mediaBlock)
			r := newDialogReq(p, d, "INVITE", 2+n%mediaBlock, fmt.Sprintf("md%x.%d", p.Seed, n))
			r.body = fmt.Sprintf("v=0\r\no=sipvet 1 %d IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n%s\r\n", 2+n, p.ipVer(), p.sdpAddr(), p.ipVer(), p.sdpAddr(), s.body)
			return r.render(p)
		}})
	}
	return out
}

// mediaBlock is how many media cases share one call.
const mediaBlock = 25

// media is the "media" source: RTP header, codec payload (G.711, G.722,
// G.729, Opus, RFC 4733 events) and RTCP cases sent to the media address the
// target answered in a call, and SDP cases in re-INVITEs of that call.
type media struct {
	p     Params
	cases []mediaCase
}

func newMedia(p Params) *media { return &media{p: p, cases: mediaCases()} }

func (m *media) Name() string { return "media" }
func (m *media) Len() int     { return len(m.cases) }

func (m *media) Case(n int) Case {
	n %= len(m.cases)
	mc := m.cases[n]
	return Case{Source: m.Name(), N: n, Group: mc.group, Detail: mc.detail, Kind: mc.kind, Data: mc.build(m.p, n), Dialog: n / mediaBlock, Codec: mc.codec}
}
