package transport

import (
	"strings"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

func TestMediaSummary(t *testing.T) {
	rtpPkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 7, Timestamp: 160, SSRC: 0xabc}, Payload: make([]byte, 160)}).Marshal()
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1}, &rtcp.Goodbye{Sources: []uint32{1}}})
	cases := []struct {
		name string
		in   []byte
		kind MediaKind
		want string
	}{
		{"rtp", rtpPkt, MediaRTP, "RTP pt=0 seq=7 ts=160 ssrc=0x00000abc marker=false csrc=0 size=172"},
		{"rtcp", rr, MediaRTCP, "RTCP RR(ssrc=0x00000001,count=0) BYE(ssrc=0x00000001,count=1) size=16"},
		{"sip", []byte("SIP/2.0 200 OK\r\n\r\n"), NotMedia, ""},
		{"short", []byte{0x80, 0}, NotMedia, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if k := ClassifyMedia(c.in); k != c.kind {
				t.Errorf("kind %d, want %d", k, c.kind)
			}
			got, ok := MediaSummary(c.in)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("summary %q %v, want %q", got, ok, c.want)
			}
		})
	}
}

// FuzzMediaSummary: any datagram is summarised without panicking, in
// bounded text.
func FuzzMediaSummary(f *testing.F) {
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{0x81, 201, 0, 7, 0, 0, 0, 1})
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, ok := MediaSummary(b)
		if ok != (ClassifyMedia(b) != NotMedia) {
			t.Fatal("summary and classification disagree")
		}
		if len(s) > 1200 || (ok && !strings.HasPrefix(s, "RT")) {
			t.Fatalf("bad summary %q", s)
		}
	})
}
