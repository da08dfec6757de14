package capture

import (
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/sip"
)

// fullTag is the parser's answer; ok is false when it rejects the value.
func fullTag(v string) (string, bool) {
	na, err := sip.ParseNameAddr(v)
	if err != nil {
		return "", false
	}
	return na.Tag(), true
}

func TestHeaderTag(t *testing.T) {
	for _, v := range []string{
		`"Alice" <sip:alice@example.com>;tag=1928301774`,
		`<sip:bob@192.0.2.4>`,
		`<sip:bob@192.0.2.4>;TAG=abc;x=1`,
		`<sip:bob@192.0.2.4>;x=1;tag=a-b.c`,
		`<sip:bob@192.0.2.4>;tag=a;tag=b`,
		`<sip:bob@192.0.2.4>;tag`,
		`<sip:bob@192.0.2.4>;tag=`,
		`<sip:bob@192.0.2.4> ;tag=spaced`,
		`<sip:bob@192.0.2.4>;tag="quoted"`,
		`sip:carol@example.com;tag=nobrackets`,
		`"a>b" <sip:x@y>;tag=q`,
		`<sip:x@y;tag=inuri>`,
		`<sip:x@y>;;tag=z`,
		`<sip:x@y>;tag=a=b`,
		``,
	} {
		want, parsed := fullTag(v)
		if got := headerTag(v); parsed && got != want {
			t.Errorf("headerTag(%q) = %q, ParseNameAddr gives %q", v, got, want)
		}
	}
	if _, ok := quickTag(`"Alice" <sip:alice@example.com>;tag=1928301774`); !ok {
		t.Error("the common shape does not take the shortcut")
	}
}

// FuzzHeaderTag holds the shortcut to the full parser wherever the parser
// accepts the value (where it rejects one, the shortcut may still read the
// tag after the '>': for item 13 that is the sender's tag all the same).
func FuzzHeaderTag(f *testing.F) {
	f.Add(`"Alice" <sip:alice@example.com>;tag=1928301774`)
	f.Add(`<sip:x@y>;x=1;TAG=z`)
	f.Fuzz(func(t *testing.T, v string) {
		if got, ok := quickTag(v); ok {
			if want, parsed := fullTag(v); parsed && got != want {
				t.Fatalf("quickTag(%q) = %q, ParseNameAddr gives %q", v, got, want)
			}
		}
	})
}

// fullBranch is the parser's answer; ok is false when it rejects the value.
func fullBranch(v string) (string, bool) {
	vs, err := sip.ParseVia(v)
	if err != nil {
		return "", false
	}
	return vs[0].Branch(), true
}

func TestTopBranch(t *testing.T) {
	for _, v := range []string{
		`SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds`,
		`SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK-1;received=192.0.2.9`,
		`SIP/2.0/TCP [2001:db8::1]:5060;BRANCH=z9hG4bKx;received=[2001:db8::2]`,
		`SIP/2.0/UDP host;branch=a;branch=b`,
		`SIP/2.0/UDP host`,
		`SIP/2.0/UDP host;branch`,
		`SIP/2.0/UDP host;branch=`,
		`SIP/2.0/UDP host ;branch=spaced`,
		`SIP/2.0/UDP host;branch="quoted"`,
		`SIP/2.0/UDP host;branch=x (a comment)`,
		`SIP/2.0/UDP host;;branch=z`,
		`SIP/2.0/UDP host;branch=a=b`,
		`SIP/2.0/UDP h1;branch=one, SIP/2.0/UDP h2;branch=two`,
		`SIP/2.0/UDP host;x=1:2;branch=z`,
		`garbage;branch=z`,
		``,
	} {
		m := &sip.Message{Method: "INVITE", Headers: []sip.Header{{Name: "Via", Value: v}}}
		got := topBranch(m.Get("Via"))
		want, parsed := fullBranch(m.Get("Via"))
		if !parsed {
			// where the parser rejects the Via, the shortcut's reading
			// (if it takes one) or nothing
			if q, ok := quickBranch(m.Get("Via")); ok {
				want = q
			}
		}
		if got != want {
			t.Errorf("topBranch(%q) = %q, want %q (ParseVia accepts: %v)", v, got, want, parsed)
		}
	}
	if _, ok := quickBranch(`SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK-1`); !ok {
		t.Error("the common shape does not take the shortcut")
	}
}

// FuzzTopBranch holds the shortcut to the full parser wherever the parser
// accepts the value.
func FuzzTopBranch(f *testing.F) {
	f.Add(`SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK-1`)
	f.Add(`SIP/2.0/UDP [::1]:5060;received=[::2];BRANCH=z`)
	f.Fuzz(func(t *testing.T, v string) {
		if got, ok := quickBranch(v); ok {
			if want, parsed := fullBranch(v); parsed && got != want {
				t.Fatalf("quickBranch(%q) = %q, ParseVia gives %q", v, got, want)
			}
		}
	})
}

// TestTagChars: the shortcuts accept token characters (RFC 3261 §25.1),
// ';' and '=' and nothing else.
func TestTagChars(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-.!%*_+`'~;=", b) >= 0
		if isTagChar(b) != want {
			t.Errorf("isTagChar(%q) = %v, want %v", b, !want, want)
		}
	}
}
