package check

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sipvet/sipvet/internal/sip"
)

// FuzzUAParseSDP: any body parses without panicking, with bounded output,
// and a parsed stream's fields stay in range.
func FuzzUAParseSDP(f *testing.F) {
	f.Add(uaBuildOffer(uaOfferSpec{addr: "127.0.0.1", port: 4000, codecs: uaOpusFirst(), cryptoKey: make([]byte, 30)}))
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 99999 RTP/AVP 300 -1\r\na=rtpmap:300 x/1\r\n"))
	files, _ := filepath.Glob(filepath.Join("testdata", "item2*", "*.sip"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			if m, _ := sip.Parse(b); m != nil {
				f.Add(m.Body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		mi, err := uaParseSDP(body)
		if err != nil {
			return
		}
		if len(mi.crypto) > 16 || len(mi.pts) > len(body) {
			t.Fatalf("unbounded output: %d crypto, %d pts", len(mi.crypto), len(mi.pts))
		}
		for _, pt := range mi.pts {
			if pt >= 128 {
				t.Fatalf("payload type %d out of range", pt)
			}
		}
		_ = mi.addrPort()
		_, _ = mi.firstCodec()
	})
}
