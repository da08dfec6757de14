package capture

import (
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
