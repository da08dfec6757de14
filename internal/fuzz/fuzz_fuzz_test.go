package fuzz

import (
	"testing"

	"github.com/sipvet/sipvet/internal/sip"
)

// FuzzTargetAnswers feeds hostile bytes to everything that reads what a
// target sends back (SDP media address, echo check input) and to the
// retargeting and mutation of corpus messages: never panic, bounded output.
func FuzzTargetAnswers(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 40\r\n\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n"))
	f.Add([]byte("INVITE sip:a@b;x SIP/2.0\r\nv: SIP/2.0/UDP h\r\n\r\n"))
	f.Add([]byte("c=IN IP6 ::1\nm=audio 0 RTP/AVP\n"))
	for _, m := range tortureCorpus()[:5] {
		f.Add(m.data)
	}
	p := testParams(1)
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, _ := sip.Parse(b); m != nil {
			if a := mediaAddr(m, "127.0.0.1"); len(a) > len(m.Body)+64 {
				t.Fatalf("media address %q longer than its input", a)
			}
		}
		out := retarget(b, p)
		if len(out) > len(b)+64 {
			t.Fatalf("retarget grew %d → %d bytes", len(b), len(out))
		}
		lm := splitMessage(b)
		r := rng(1, "fuzz", len(b))
		lm.mutate(r, [][]byte{b, []byte("OPTIONS sip:x SIP/2.0\r\nA: b\r\n\r\n")})
		_ = sipUnits(b)
		_ = normalizeDetail(string(b))
	})
}
