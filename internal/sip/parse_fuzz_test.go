package sip

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// addTortureSeeds adds every torture message to the fuzz corpus.
func addTortureSeeds(f *testing.F, add func(b []byte)) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "torture", "*", "*.dat"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no torture seeds: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// FuzzParse checks that Parse never panics and that a message it accepts
// without error survives Bytes: re-parsing gives the same start line,
// headers and body.
func FuzzParse(f *testing.F) {
	addTortureSeeds(f, func(b []byte) { f.Add(b) })
	f.Add([]byte(inviteText))
	f.Add([]byte("SIP/2.0 200 OK\nl: 0\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if m != nil {
				_ = m.Bytes() // partial messages must serialise too
				_ = Validate(m)
			}
			return
		}
		_ = Validate(m)
		out := m.Bytes()
		// Bytes normalises "Name:value" to "Name: value" and LF to CRLF,
		// so the output may be a little longer than the input.
		m2, err := ParseWith(out, Limits{MaxMessageSize: max(DefaultMaxMessageSize, len(out))})
		if err != nil {
			t.Fatalf("re-parse of Bytes failed: %v\ninput  %q\noutput %q", err, data, out)
		}
		if m2.StartLine() != m.StartLine() {
			t.Fatalf("start line %q became %q", m.StartLine(), m2.StartLine())
		}
		if !reflect.DeepEqual(m2.Headers, m.Headers) {
			t.Fatalf("headers %q became %q", m.Headers, m2.Headers)
		}
		if !bytes.Equal(m2.Body, m.Body) {
			t.Fatalf("body %q became %q", m.Body, m2.Body)
		}
	})
}

// FuzzParseURI checks that a URI ParseURI accepts is reproduced by
// String: parsing the string again gives an equal URI.
func FuzzParseURI(f *testing.F) {
	seeds := []string{
		"sip:alice@example.com", "sips:bob:pw@[2001:db8::1]:5061;transport=tls;lr?Subject=x&h=%20",
		"sip:user;par=u%40example.net@example.com", "tel:+1-201-555-0123;phone-context=x", "urn:service:sos",
		"sip:%61@h:0", "soap.beep://192.0.2.103:3002", "sip:[::ffff:192.0.2.1]",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	addTortureSeeds(f, func(b []byte) {
		if m, _ := Parse(b); m != nil && m.IsRequest() {
			f.Add(m.RequestURI)
		}
	})
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		out := u.String()
		u2, err := ParseURI(out)
		if err != nil {
			t.Fatalf("ParseURI(%q) ok, but String %q fails: %v", s, out, err)
		}
		if !reflect.DeepEqual(u, u2) {
			t.Fatalf("%q -> %+v\n%q -> %+v", s, u, out, u2)
		}
		_ = u.UnescapedUser()
	})
}

// FuzzParseHeaderValues checks that name-addr and Via parsing never panic
// and that accepted values survive String.
func FuzzParseHeaderValues(f *testing.F) {
	seeds := []string{
		`"A \"B\"" <sip:a@b>;tag=1`, "sip:a@b;tag=x", "caller<sip:caller@example.com>;tag=323",
		"SIP/2.0/UDP h:5060;branch=z9hG4bK1, SIP / 2.0 / TCP [::1] ; rport",
		`<sip:a@b>;+sip.instance="<urn:uuid:1>"`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if na, err := ParseNameAddr(s); err == nil {
			out := na.String()
			na2, err := ParseNameAddr(out)
			if err != nil || !reflect.DeepEqual(na, na2) {
				t.Fatalf("name-addr %q -> %q -> %+v, %v", s, out, na2, err)
			}
		}
		if vias, err := ParseVia(s); err == nil {
			for _, v := range vias {
				out := v.String()
				v2, err := ParseVia(out)
				if err != nil || len(v2) != 1 || !reflect.DeepEqual(v, v2[0]) {
					t.Fatalf("Via %q -> %q -> %+v, %v", s, out, v2, err)
				}
			}
		}
		_, _, _ = ParseCSeq(s)
		_ = SplitList(s)
		if parts, err := ParseMultipart("multipart/mixed;boundary=b", []byte(s)); err == nil {
			for _, p := range parts {
				if len(p.Body) > len(s) {
					t.Fatalf("part body larger than input")
				}
			}
		}
	})
}

// FuzzReadStreamMessage checks that stream framing never panics and never
// returns more bytes than the limit or than the input.
func FuzzReadStreamMessage(f *testing.F) {
	addTortureSeeds(f, func(b []byte) { f.Add(b, uint16(0)) })
	f.Add([]byte("\r\n\r\nOPTIONS sip:a SIP/2.0\r\nl: 3\r\n\r\nabcBYE sip:b SIP/2.0\r\n\r\n"), uint16(64))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		lim := Limits{MaxMessageSize: int(limit), MaxHeaders: int(limit % 32), MaxLineLength: int(limit % 300)}
		max := lim.withDefaults().MaxMessageSize
		r := bufio.NewReaderSize(bytes.NewReader(data), 16)
		total := 0
		for range 1000 {
			b, err := ReadStreamMessage(r, lim)
			if len(b) > max {
				t.Fatalf("returned %d bytes, limit %d", len(b), max)
			}
			total += len(b)
			if total > len(data) {
				t.Fatalf("returned %d bytes in total from %d of input", total, len(data))
			}
			if err != nil {
				return
			}
		}
	})
}
