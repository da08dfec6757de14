package sip

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "update golden files")

func readTorture(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "torture", dir, "*.dat"))
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".dat")] = b
	}
	return out
}

// summary renders a parsed message as a readable golden text.
func summary(m *Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "start: %s\n", strconv.Quote(m.StartLine()))
	for _, h := range m.Headers {
		fmt.Fprintf(&b, "header: %s = %s\n", strconv.Quote(h.Name), strconv.Quote(h.Value))
	}
	fmt.Fprintf(&b, "body: %d bytes\n", len(m.Body))
	fmt.Fprintf(&b, "trailing: %d bytes\n", len(m.Trailing))
	fmt.Fprintf(&b, "call-id: %s\n", strconv.Quote(m.CallID()))
	if n, method, err := m.CSeq(); err != nil {
		fmt.Fprintf(&b, "cseq: error: %v\n", err)
	} else {
		fmt.Fprintf(&b, "cseq: %d %s\n", n, strconv.Quote(method))
	}
	for i, v := range m.GetAll("Via") {
		vias, err := ParseVia(v)
		if err != nil {
			fmt.Fprintf(&b, "via[%d]: error: %v\n", i, err)
			continue
		}
		for _, via := range vias {
			fmt.Fprintf(&b, "via[%d]: proto=%s transport=%s host=%s port=%d branch=%s params=%s\n",
				i, via.Protocol, via.Transport, via.Host, via.Port, strconv.Quote(via.Branch()), fmtParams(via.Params))
		}
	}
	for _, name := range []string{"From", "To"} {
		na, err := m.nameAddr(name)
		if err != nil {
			fmt.Fprintf(&b, "%s: error: %v\n", strings.ToLower(name), err)
			continue
		}
		fmt.Fprintf(&b, "%s: display=%s uri=%s tag=%s params=%s\n", strings.ToLower(name),
			strconv.Quote(na.DisplayName), strconv.Quote(na.URI.String()), strconv.Quote(na.Tag()), fmtParams(na.Params))
	}
	if m.IsRequest() {
		if u, err := ParseURI(m.RequestURI); err != nil {
			fmt.Fprintf(&b, "request-uri: error: %v\n", err)
		} else {
			fmt.Fprintf(&b, "request-uri: scheme=%s user=%s password=%s host=%s port=%d params=%s headers=%s\n",
				u.Scheme, strconv.Quote(u.User), strconv.Quote(u.Password), u.Host, u.Port, fmtParams(u.Params), fmtParams(u.Headers))
		}
	}
	for _, err := range Validate(m) {
		fmt.Fprintf(&b, "validate: %v\n", err)
	}
	return b.String()
}

func fmtParams(ps []Param) string {
	var parts []string
	for _, p := range ps {
		if p.HasValue {
			parts = append(parts, strconv.Quote(p.Name+"="+p.Value))
		} else {
			parts = append(parts, strconv.Quote(p.Name))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestTortureValid parses each RFC 4475 §3.1.1 valid message, which must
// succeed, and compares a summary against testdata/torture/golden.
func TestTortureValid(t *testing.T) {
	msgs := readTorture(t, "valid")
	if len(msgs) != 13 {
		t.Fatalf("found %d valid torture messages, want 13", len(msgs))
	}
	for name, data := range msgs {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := summary(m)
			path := filepath.Join("testdata", "torture", "golden", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("summary differs from %s (run with -update and review):\n%s", path, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff is a minimal diff: the lines that differ, by position.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// TestTortureValidSpecifics asserts the interpretations RFC 4475 §3.1.1
// requires for the valid messages, beyond "it parses".
func TestTortureValidSpecifics(t *testing.T) {
	msgs := readTorture(t, "valid")
	parse := func(t *testing.T, name string) *Message {
		t.Helper()
		m, err := Parse(msgs[name])
		if err != nil {
			t.Fatalf("Parse(%s): %v", name, err)
		}
		return m
	}
	t.Run("wsinv folding and odd whitespace", func(t *testing.T) {
		m := parse(t, "wsinv")
		if n, method, err := m.CSeq(); err != nil || n != 9 || method != "INVITE" {
			t.Errorf("CSeq = %d %q %v, want 9 INVITE", n, method, err)
		}
		vias := m.GetAll("Via")
		if len(vias) != 3 {
			t.Fatalf("GetAll(Via) = %q, want 3 values", vias)
		}
		v, err := ParseVia(vias[2])
		if err != nil || v[0].Host != "192.168.255.111" || v[0].Branch() != "z9hG4bK30239" {
			t.Errorf("third Via = %+v, %v", v, err)
		}
		to, err := m.To()
		if err != nil || to.Tag() != "1918181833n" {
			t.Errorf("To tag = %q, %v", to.Tag(), err)
		}
		from, err := m.From()
		if err != nil || from.DisplayName != `J Rosenberg \"` || from.Tag() != "98asjd8" {
			t.Errorf("From = %+v, %v", from, err)
		}
		if got := m.Get("NewFangledHeader"); got != "newfangled value continued newfangled value" {
			t.Errorf("folded header = %q", got)
		}
		if len(m.Body) != 150 {
			t.Errorf("body %d bytes, want 150", len(m.Body))
		}
	})
	t.Run("esc01 escapes kept", func(t *testing.T) {
		m := parse(t, "esc01")
		u, err := ParseURI(m.RequestURI)
		if err != nil || u.User != "sips%3Auser%40example.com" || u.UnescapedUser() != "sips:user@example.com" || u.Host != "example.net" {
			t.Errorf("Request-URI = %+v, %v", u, err)
		}
		c, err := ParseNameAddr(m.Get("Contact"))
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := c.URI.Param("n%61me"); !ok || v != "v%61lue%25%34%31" {
			t.Errorf("Contact params = %+v", c.URI.Params)
		}
	})
	t.Run("esc02 escaped method is not the method", func(t *testing.T) {
		m := parse(t, "esc02")
		if m.Method != "RE%47IST%45R" || len(m.GetAll("Contact")) != 2 {
			t.Errorf("method %q, contacts %q", m.Method, m.GetAll("Contact"))
		}
	})
	t.Run("escnull", func(t *testing.T) {
		m := parse(t, "escnull")
		to, err := m.To()
		if err != nil || to.URI.UnescapedUser() != "null-\x00-null" {
			t.Errorf("To user %q, %v", to.URI.UnescapedUser(), err)
		}
	})
	t.Run("longreq compact and odd-case Via", func(t *testing.T) {
		m := parse(t, "longreq")
		if n := len(m.GetAll("Via")); n != 34 {
			t.Errorf("%d Via values, want 34", n)
		}
	})
	t.Run("dblreq extra bytes discarded", func(t *testing.T) {
		m := parse(t, "dblreq")
		if m.Method != "REGISTER" || len(m.Body) != 0 || !bytes.Contains(m.Trailing, []byte("INVITE sip:joe@example.com")) {
			t.Errorf("method %q body %d trailing %q", m.Method, len(m.Body), m.Trailing)
		}
	})
	t.Run("semiuri user with semicolon", func(t *testing.T) {
		m := parse(t, "semiuri")
		u, err := ParseURI(m.RequestURI)
		if err != nil || u.User != "user;par=u%40example.net" || u.Host != "example.com" || len(u.Params) != 0 {
			t.Errorf("Request-URI = %+v, %v", u, err)
		}
		if got := m.GetAll("Accept"); len(got) != 6 {
			t.Errorf("Accept = %q, want 6 values", got)
		}
	})
	t.Run("mpart01 multipart", func(t *testing.T) {
		m := parse(t, "mpart01")
		parts, err := ParseMultipart(m.Get("Content-Type"), m.Body)
		if err != nil || len(parts) != 2 {
			t.Fatalf("ParseMultipart: %d parts, %v", len(parts), err)
		}
		if string(parts[0].Body) != "Hello" || parts[1].Get("content-type") != "application/octet-stream" {
			t.Errorf("parts = %q / %q", parts[0].Body, parts[1].Headers)
		}
	})
	t.Run("noreason", func(t *testing.T) {
		m := parse(t, "noreason")
		if m.StatusCode != 100 || m.Reason != "" {
			t.Errorf("status %d %q", m.StatusCode, m.Reason)
		}
	})
	t.Run("unreason utf-8 reason", func(t *testing.T) {
		m := parse(t, "unreason")
		if m.StatusCode != 200 || !strings.HasPrefix(m.Reason, "= 2**3 * 5**2 ") {
			t.Errorf("status %d %q", m.StatusCode, m.Reason)
		}
	})
	t.Run("intmeth", func(t *testing.T) {
		m := parse(t, "intmeth")
		if _, method, err := m.CSeq(); err != nil || method != m.Method {
			t.Errorf("CSeq method %q vs %q, %v", method, m.Method, err)
		}
		u, err := ParseURI(m.RequestURI)
		if err != nil || u.Host != "example.com" {
			t.Errorf("Request-URI = %+v, %v", u, err)
		}
	})
	t.Run("transports", func(t *testing.T) {
		m := parse(t, "transports")
		var got []string
		for _, v := range m.GetAll("Via") {
			vv, err := ParseVia(v)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, vv[0].Transport)
		}
		if strings.Join(got, ",") != "UDP,SCTP,TLS,UNKNOWN,TCP" {
			t.Errorf("transports %q", got)
		}
	})
}

// invalidCase classifies one message of testdata/torture/invalid.
type invalidCase struct {
	rfc string // RFC 4475 section
	// parse lists sentinels Parse must report (errors.Is); empty means
	// Parse must succeed.
	parse []error
	// validate lists sentinels Validate must report among its errors.
	validate []error
	// valid is set for messages RFC 4475 itself calls valid (sipgo files
	// them under invalid/); check asserts their interpretation and
	// Validate must then report nothing.
	valid bool
	check func(t *testing.T, m *Message)
	why   string
}

func invalidCases() map[string]invalidCase {
	return map[string]invalidCase{
		// §3.1.2: syntactically invalid messages.
		"badinv01": {rfc: "3.1.2.1", validate: []error{ErrVia, ErrNameAddr},
			why: "empty Via and Contact parameters (;;,;,, and ;;;;)"},
		"clerr": {rfc: "3.1.2.2", parse: []error{ErrContentLength, ErrTruncated},
			why: "Content-Length 9999 larger than the datagram"},
		"ncl": {rfc: "3.1.2.3", parse: []error{ErrContentLength},
			why: "negative Content-Length"},
		"scalar02": {rfc: "3.1.2.4", validate: []error{ErrCSeq, ErrValue},
			why: "CSeq, Max-Forwards, Expires and contact expires overflow their ranges"},
		"scalarlg": {rfc: "3.1.2.5", validate: []error{ErrCSeq, ErrValue},
			why: "CSeq and Retry-After overflow, 4-digit Warning code"},
		"quotbal": {rfc: "3.1.2.6", validate: []error{ErrNameAddr},
			why: "unterminated quoted display name in To"},
		"ltgtruri": {rfc: "3.1.2.7", validate: []error{ErrURI},
			why: "Request-URI enclosed in <>"},
		"lwsruri": {rfc: "3.1.2.8", parse: []error{ErrStartLine},
			why: "whitespace inside the Request-URI"},
		"lwsstart": {rfc: "3.1.2.9", parse: []error{ErrStartLine},
			why: "several SPs between Request-Line fields"},
		"trws": {rfc: "3.1.2.10", parse: []error{ErrStartLine},
			why: "trailing whitespace after SIP-Version"},
		"escruri": {rfc: "3.1.2.11", validate: []error{ErrURI},
			why: "URI headers (?Route=) not allowed in a Request-URI (RFC 3261 §19.1.1)"},
		"baddate": {rfc: "3.1.2.12", validate: []error{ErrValue},
			why: "Date in EST instead of GMT"},
		"regbadct": {rfc: "3.1.2.13", validate: []error{ErrNameAddr},
			why: "Contact URI with headers but without <>"},
		"badaspec": {rfc: "3.1.2.14", validate: []error{ErrNameAddr},
			why: "whitespace inside <...> of To"},
		"baddn": {rfc: "3.1.2.15", parse: []error{ErrTruncated}, validate: []error{ErrNameAddr},
			why: "unquoted display names with commas; the file also lacks the blank line"},
		"badvers": {rfc: "3.1.2.16", validate: []error{ErrVersion},
			why: "SIP/7.0 in the Request-Line and Via"},
		"mismatch01": {rfc: "3.1.2.17", validate: []error{ErrMismatch},
			why: "CSeq method INVITE in an OPTIONS request"},
		"mismatch02": {rfc: "3.1.2.18", validate: []error{ErrMismatch},
			why: "CSeq method INVITE in a NEWMETHOD request"},
		"bigcode": {rfc: "3.1.2.19", parse: []error{ErrStartLine}, validate: []error{ErrStartLine},
			why: "status code 4294967301"},
		// §3.2: transaction layer.
		"badbranch": {rfc: "3.2.1", validate: []error{ErrVia},
			why: "branch is the bare magic cookie; receivers may reject with 400"},
		// §3.3: application layer.
		"insuf": {rfc: "3.3.1", validate: []error{ErrMissingHeader},
			why: "no From, To, Call-ID, Max-Forwards"},
		"unkscm": {rfc: "3.3.2", validate: []error{ErrUnsupported},
			why: "unknown Request-URI scheme: 416"},
		"novelsc": {rfc: "3.3.3", validate: []error{ErrUnsupported},
			why: "soap.beep Request-URI: 416 unless supported"},
		"unksm2": {rfc: "3.3.4", validate: []error{ErrURI},
			why: "well formed, but a registrar answers 400: REGISTER To must be SIP/SIPS"},
		"bext01": {rfc: "3.3.5", validate: []error{ErrUnsupported},
			why: "unknown Require/Proxy-Require option tags: 420"},
		"invut": {rfc: "3.3.6", validate: []error{ErrUnsupported},
			why: "unknown body type in INVITE: 415"},
		"regaut01": {rfc: "3.3.7", validate: []error{ErrUnsupported},
			why: "unknown Authorization scheme: 401"},
		"multi01": {rfc: "3.3.8", validate: []error{ErrDuplicate},
			why: "repeated To, From, Call-ID, CSeq, Max-Forwards"},
		"mcl01": {rfc: "3.3.9", parse: []error{ErrContentLength}, validate: []error{ErrContentLength},
			why: "two different Content-Length values: the body cannot be framed"},
		"bcast": {rfc: "3.3.10", validate: []error{ErrValue},
			why: "255.255.255.255 in Via: a response must not be sent there"},
		"zeromf": {rfc: "3.3.11", validate: []error{ErrUnsupported},
			why: "Max-Forwards 0: well formed, a proxy answers 483 (a UAS processes it)"},
		"cparam01": {rfc: "3.3.12", valid: true,
			why: "RFC 4475: valid, unknownparam is a contact-param (addr-spec without <>)",
			check: func(t *testing.T, m *Message) {
				c, err := ParseNameAddr(m.Get("Contact"))
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := c.Param("unknownparam"); !ok || len(c.URI.Params) != 0 {
					t.Errorf("unknownparam must be a header param: %+v / URI %+v", c.Params, c.URI.Params)
				}
			}},
		"cparam02": {rfc: "3.3.13", valid: true,
			why: "RFC 4475: valid, unknownparam is a URI parameter inside <>",
			check: func(t *testing.T, m *Message) {
				c, err := ParseNameAddr(m.Get("Contact"))
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := c.URI.Param("unknownparam"); !ok || len(c.Params) != 0 {
					t.Errorf("unknownparam must be a URI param: %+v / header %+v", c.URI.Params, c.Params)
				}
			}},
		"regescrt": {rfc: "3.3.14", valid: true,
			why: "RFC 4475: valid, the registrar stores the escaped Route header of the Contact URI",
			check: func(t *testing.T, m *Message) {
				c, err := ParseNameAddr(m.Get("m"))
				if err != nil {
					t.Fatal(err)
				}
				if r, ok := c.URI.Header("Route"); !ok || Unescape(r) != "<sip:sip.example.com>" {
					t.Errorf("Contact URI headers %+v", c.URI.Headers)
				}
				if m.Get("Content-Length") != "0" {
					t.Errorf("compact L: not found")
				}
			}},
		"sdp01": {rfc: "3.3.15", validate: []error{ErrUnsupported},
			why: "Accept excludes application/sdp: 406"},
		// §3.4: backward compatibility.
		"inv2543": {rfc: "3.4.1", validate: []error{ErrMissingHeader, ErrVia, ErrNameAddr},
			why: "RFC 2543 syntax: no Max-Forwards, branch or From tag; lenient elements accept it, Validate flags the RFC 3261 violations"},
		// Not from RFC 4475 (added by sipgo).
		"test": {rfc: "-", parse: []error{ErrStartLine, ErrHeader}, validate: []error{ErrMissingHeader, ErrNameAddr},
			why: "Request-Line without version, header line without colon, addresses without scheme"},
	}
}

// TestTortureInvalid checks that every message of testdata/torture/invalid
// is either rejected by Parse or flagged by Validate with the expected
// sentinels, or, for the few RFC 4475 calls valid, interpreted correctly.
func TestTortureInvalid(t *testing.T) {
	msgs := readTorture(t, "invalid")
	cases := invalidCases()
	if len(msgs) != 37 || len(cases) != len(msgs) {
		t.Fatalf("%d invalid messages and %d cases, want 37 of each", len(msgs), len(cases))
	}
	for name, data := range msgs {
		tc, ok := cases[name]
		if !ok {
			t.Errorf("%s: no classification", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			m, err := Parse(data)
			if m == nil {
				t.Fatalf("Parse returned no message: %v", err)
			}
			if len(tc.parse) == 0 && err != nil {
				t.Errorf("Parse: unexpected error %v", err)
			}
			for _, want := range tc.parse {
				if !errors.Is(err, want) {
					t.Errorf("Parse error %v, want %v", err, want)
				}
			}
			verrs := Validate(m)
			for _, want := range tc.validate {
				if !slicesHasErr(verrs, want) {
					t.Errorf("Validate = %v, want one wrapping %v", verrs, want)
				}
			}
			if tc.valid {
				if len(verrs) != 0 {
					t.Errorf("RFC 4475 §%s says valid, Validate = %v", tc.rfc, verrs)
				}
				tc.check(t, m)
				t.Logf("RFC 4475 §%s: %s", tc.rfc, tc.why)
				return
			}
			if err == nil && len(verrs) == 0 {
				t.Errorf("silently accepted (RFC 4475 §%s: %s)", tc.rfc, tc.why)
			}
		})
	}
}

func slicesHasErr(errs []error, target error) bool {
	for _, e := range errs {
		if errors.Is(e, target) {
			return true
		}
	}
	return false
}
