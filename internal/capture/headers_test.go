package capture

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/sip"
)

// checkHeaders compares msgHeaders with sip.Message.Get and GetAll for
// every header the analysis reads.
func checkHeaders(t *testing.T, name string, m *sip.Message) {
	t.Helper()
	var x msgHeaders
	x.index(m)
	for h := hdr(1); h < hdrCount; h++ {
		if got, want := x.get(h), m.Get(hdrNames[h]); got != want {
			t.Fatalf("%s: get(%s) = %q, Get gives %q", name, hdrNames[h], got, want)
		}
		var vals []string
		for v := range x.values(h) {
			vals = append(vals, v)
		}
		if want := m.GetAll(hdrNames[h]); !reflect.DeepEqual(vals, want) {
			t.Fatalf("%s: values(%s) = %q, GetAll gives %q", name, hdrNames[h], vals, want)
		}
		if got, want := x.many(h), len(m.GetAll(hdrNames[h])) > 1; got != want {
			t.Fatalf("%s: many(%s) = %v, GetAll has %d values", name, hdrNames[h], got, len(m.GetAll(hdrNames[h])))
		}
	}
}

func TestMsgHeaders(t *testing.T) {
	for h := hdr(1); h < hdrCount; h++ {
		if hdrOf(hdrNames[h]) != h {
			t.Errorf("hdrOf(%q) = %d, want %d", hdrNames[h], hdrOf(hdrNames[h]), h)
		}
		if hdrIsList(h) != sip.IsListHeader(hdrNames[h]) {
			t.Errorf("hdrIsList(%s) = %v, sip.IsListHeader says %v", hdrNames[h], hdrIsList(h), !hdrIsList(h))
		}
	}
	// The torture messages of RFC 4475 and the real captures' shapes.
	files, _ := filepath.Glob(filepath.Join("..", "sip", "testdata", "torture", "*", "*.dat"))
	if len(files) == 0 {
		t.Fatal("no torture messages")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := sip.ParseWith(b, sip.Limits{MaxMessageSize: maxSIPMessage}); m != nil {
			checkHeaders(t, filepath.Base(f), m)
		}
	}
	long := &sip.Message{Method: "OPTIONS"}
	for i := range maxIndexed + 5 {
		long.Headers = append(long.Headers, sip.Header{Name: "X-Pad", Value: strings.Repeat("p", i)})
	}
	long.Headers = append(long.Headers, sip.Header{Name: "Via", Value: "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b"})
	for _, tt := range []struct {
		name string
		m    *sip.Message
	}{
		{"compact and odd case", &sip.Message{Method: "INVITE", Headers: []sip.Header{
			{Name: "v", Value: "SIP/2.0/UDP a;branch=1"}, {Name: "VIA", Value: "SIP/2.0/UDP b;branch=2, SIP/2.0/UDP c"},
			{Name: "f", Value: "<sip:a@b>;tag=1"}, {Name: "t", Value: "<sip:c@d>"}, {Name: "i", Value: "id"},
			{Name: "m", Value: "<sip:a@1>, <sip:a@2>"}, {Name: "c", Value: "application/sdp"},
			{Name: "user-agent", Value: "UA"}, {Name: " To ", Value: "<sip:second@d>"}}}},
		{"empty and repeated", &sip.Message{StatusCode: 401, Headers: []sip.Header{
			{Name: "", Value: "nameless"}, {Name: "Contact", Value: ""}, {Name: "Contact", Value: " , "},
			{Name: "Contact", Value: "<sip:x@y>"}, {Name: "WWW-Authenticate", Value: `Digest realm="a", nonce="1"`},
			{Name: "WWW-Authenticate", Value: `Digest realm="b", nonce="2"`}, {Name: "Server", Value: ""}}}},
		{"more lines than indexed", long},
	} {
		checkHeaders(t, tt.name, tt.m)
	}
}

// FuzzMsgHeaders holds msgHeaders to sip.Message.Get and GetAll on whatever
// the lenient parser makes of arbitrary bytes.
func FuzzMsgHeaders(f *testing.F) {
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP a;branch=1\r\nVia: SIP/2.0/UDP b, SIP/2.0/UDP c\r\nf: <sip:a@b>;tag=1\r\nContact: <sip:1>, <sip:2>\r\n\r\n"))
	f.Add([]byte("SIP/2.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\nserver: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, _ := sip.ParseWith(b, sip.Limits{MaxMessageSize: maxSIPMessage}); m != nil {
			checkHeaders(t, "fuzz input", m)
		}
	})
}
