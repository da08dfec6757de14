package enum

import (
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/sip"
)

// FuzzSignature: whatever a target answers, extracting and comparing its
// signature never panics and stays bounded by the message.
func FuzzSignature(f *testing.F) {
	f.Add([]byte("SIP/2.0 404 Not Found\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\"\r\nl: 0\r\n\r\n"))
	f.Add([]byte("SIP/2.0 180 \r\ni: y\r\n\r\n"))
	f.Add([]byte("INVITE sip:a SIP/2.0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _ := sip.Parse(data)
		if m == nil {
			return
		}
		s := SignatureOf(m)
		if len(s.Headers) > len(m.Headers) {
			t.Fatalf("%d signature headers from %d headers", len(s.Headers), len(m.Headers))
		}
		if len(s.Key()) > 2*len(data)+32 {
			t.Fatalf("key of %d bytes from %d input bytes", len(s.Key()), len(data))
		}
		base := Signature{Status: 404, Reason: "Not Found", Headers: []string{}}
		d := Diff(base, s)
		if s.Key() == base.Key() && d != "same" {
			t.Fatalf("equal keys but diff %q", d)
		}
		_ = strings.TrimSpace(s.String())
		hits := Classify([]Signature{base}, []string{"x"}, []Signature{s})
		if len(hits) > 1 {
			t.Fatal("more hits than candidates")
		}
	})
}
