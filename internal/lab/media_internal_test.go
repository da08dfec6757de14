package lab

import (
	"net/netip"
	"slices"
	"testing"
)

// ulawDecode and alawDecode are the G.711 expansions (ITU-T G.711 tables),
// written independently of the encoders to check them.
func ulawDecode(u byte) int {
	u = ^u
	t := (int(u&0x0f)<<3 + 0x84) << ((u & 0x70) >> 4)
	if u&0x80 != 0 {
		return 0x84 - t
	}
	return t - 0x84
}

func alawDecode(a byte) int {
	a ^= 0x55
	t := int(a&0x0f) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if a&0x80 != 0 {
		return t
	}
	return -t
}

func TestG711(t *testing.T) {
	cases := []struct {
		in         int16
		ulaw, alaw byte
	}{
		{0, 0xff, 0xd5},
		{32767, 0x80, 0xaa},
		{-32768, 0x00, 0x2a},
	}
	for _, tc := range cases {
		if got := linearToULaw(tc.in); got != tc.ulaw {
			t.Errorf("µ-law(%d) = %#x, want %#x", tc.in, got, tc.ulaw)
		}
		if got := linearToALaw(tc.in); got != tc.alaw {
			t.Errorf("A-law(%d) = %#x, want %#x", tc.in, got, tc.alaw)
		}
	}
	// Round trip: the error stays within the segment's quantisation step.
	for s := -32768; s <= 32767; s += 7 {
		for name, got := range map[string]int{"µ-law": ulawDecode(linearToULaw(int16(s))), "A-law": alawDecode(linearToALaw(int16(s)))} {
			tol := max(abs(s)/16, 40)
			if d := abs(got - s); d > tol {
				t.Fatalf("%s round trip of %d gave %d (error %d > %d)", name, s, got, d, tol)
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestTonePayload(t *testing.T) {
	for _, pt := range []uint8{ptPCMU, ptPCMA} {
		p := tonePayload(pt)
		if len(p) != 160 {
			t.Fatalf("PT %d: %d bytes", pt, len(p))
		}
		decode := ulawDecode
		if pt == ptPCMA {
			decode = alawDecode
		}
		// 8 samples per cycle: sign changes twice per cycle, 40 per frame.
		crossings := 0
		for i := 1; i < len(p); i++ {
			if (decode(p[i-1]) < 0) != (decode(p[i]) < 0) {
				crossings++
			}
		}
		if crossings < 38 || crossings > 41 {
			t.Errorf("PT %d: %d zero crossings in 20 ms, want 40 (1 kHz)", pt, crossings)
		}
	}
}

func TestParseSDP(t *testing.T) {
	cases := []struct {
		name string
		body string
		addr string
		pts  []int
		dtmf int
		err  error
	}{
		{"session c", "v=0\r\nc=IN IP4 127.0.0.5\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n", "127.0.0.5:4000", []int{0, 8, 101}, 101, nil},
		{"media c wins", "c=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 8\r\nc=IN IP4 127.0.0.9\r\n", "127.0.0.9:4000", []int{8}, -1, nil},
		{"ipv6", "c=IN IP6 ::1\nm=audio 5000 RTP/AVP 0\n", "[::1]:5000", []int{0}, -1, nil},
		{"video first", "c=IN IP4 127.0.0.1\r\nm=video 6000 RTP/AVP 96\r\nm=audio 6002 RTP/AVP 0\r\n", "127.0.0.1:6002", []int{0}, -1, nil},
		{"port zero", "c=IN IP4 127.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n", "", []int{0}, -1, nil},
		{"hostname", "c=IN IP4 pbx.example\r\nm=audio 4000 RTP/AVP 0\r\n", "", []int{0}, -1, nil},
		{"no audio", "c=IN IP4 127.0.0.1\r\nm=video 4000 RTP/AVP 96\r\n", "", nil, -1, errNoAudio},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseSDP([]byte(tc.body))
			if err != tc.err {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var want netip.AddrPort
			if tc.addr != "" {
				want = netip.MustParseAddrPort(tc.addr)
			}
			if o.addr != want || !slices.Equal(o.pts, tc.pts) || o.dtmf != tc.dtmf {
				t.Errorf("got %+v", o)
			}
		})
	}
	if _, err := (sdpOffer{pts: []int{9, 18}}).choosePT(); err != errNoAudio {
		t.Errorf("G.722/G.729-only offer: err = %v", err)
	}
}
