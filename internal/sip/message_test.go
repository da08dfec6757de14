package sip

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const inviteText = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n" +
	"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1\r\n" +
	"Max-Forwards: 70\r\n" +
	"To: Bob <sip:bob@biloxi.example.com>\r\n" +
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
	"CSeq: 314159 INVITE\r\n" +
	"Contact: <sip:alice@pc33.atlanta.example.com>\r\n" +
	"Content-Type: application/sdp\r\n" +
	"Content-Length: 4\r\n" +
	"\r\n" +
	"v=0\n"

func TestParseBasic(t *testing.T) {
	m, err := Parse([]byte(inviteText))
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsRequest() || m.Method != "INVITE" || m.RequestURI != "sip:bob@biloxi.example.com" || m.Version != "SIP/2.0" {
		t.Errorf("start line %q", m.StartLine())
	}
	if len(m.Headers) != 10 || string(m.Body) != "v=0\n" {
		t.Errorf("%d headers, body %q", len(m.Headers), m.Body)
	}
	if got := m.Bytes(); !bytes.Equal(got, []byte(inviteText)) {
		t.Errorf("Bytes differs:\n%q\n%q", got, inviteText)
	}
	if !bytes.Equal(m.Raw, []byte(inviteText)) {
		t.Error("Raw not kept")
	}
	if errs := Validate(m); errs != nil {
		t.Errorf("Validate = %v", errs)
	}
	via, err := m.TopVia()
	if err != nil || via.Branch() != "z9hG4bK776asdhds" {
		t.Errorf("TopVia = %+v, %v", via, err)
	}
	from, err := m.From()
	if err != nil || from.Tag() != "1928301774" || from.DisplayName != "Alice" {
		t.Errorf("From = %+v, %v", from, err)
	}
	if n, method, err := m.CSeq(); n != 314159 || method != "INVITE" || err != nil {
		t.Errorf("CSeq = %d %q %v", n, method, err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		lim    Limits
		errs   []error
		nilMsg bool
		check  func(t *testing.T, m *Message)
	}{
		{name: "empty", in: "", errs: []error{ErrEmpty}, nilMsg: true},
		{name: "only CRLF", in: "\r\n\r\n", errs: []error{ErrEmpty}, nilMsg: true},
		{name: "too large", in: strings.Repeat("x", 100), lim: Limits{MaxMessageSize: 50}, errs: []error{ErrTooLarge}, nilMsg: true},
		{name: "no blank line", in: "OPTIONS sip:a SIP/2.0\r\nVia: x", errs: []error{ErrTruncated},
			check: func(t *testing.T, m *Message) {
				if m.Get("Via") != "x" {
					t.Errorf("headers not kept: %+v", m.Headers)
				}
			}},
		{name: "one field", in: "GARBAGE\r\n\r\n", errs: []error{ErrStartLine},
			check: func(t *testing.T, m *Message) {
				if m.Method != "GARBAGE" {
					t.Errorf("method %q", m.Method)
				}
			}},
		{name: "bad version syntax", in: "OPTIONS sip:a SIP/x\r\n\r\n", errs: []error{ErrVersion}},
		{name: "tab in request line", in: "OPTIONS\tsip:a SIP/2.0\r\n\r\n", errs: []error{ErrStartLine}},
		{name: "method not token", in: "OP(TIONS sip:a SIP/2.0\r\n\r\n", errs: []error{ErrStartLine}},
		{name: "status two digits", in: "SIP/2.0 20 OK\r\n\r\n", errs: []error{ErrStartLine}},
		{name: "status 700", in: "SIP/2.0 700 X\r\n\r\n", errs: []error{ErrStartLine}},
		{name: "status 099", in: "SIP/2.0 099 X\r\n\r\n", errs: []error{ErrStartLine}},
		{name: "status only version", in: "SIP/2.0\r\n\r\n", errs: []error{ErrStartLine}},
		{name: "header without colon", in: "OPTIONS sip:a SIP/2.0\r\nVia x\r\nTo: y\r\n\r\n", errs: []error{ErrHeader},
			check: func(t *testing.T, m *Message) {
				want := []Header{{Value: "Via x"}, {Name: "To", Value: "y"}}
				if !reflect.DeepEqual(m.Headers, want) {
					t.Errorf("headers %+v", m.Headers)
				}
				if got := string(m.Bytes()); got != "OPTIONS sip:a SIP/2.0\r\nVia x\r\nTo: y\r\n\r\n" {
					t.Errorf("Bytes %q", got)
				}
			}},
		{name: "header name with space", in: "OPTIONS sip:a SIP/2.0\r\nBad Name: y\r\n\r\n", errs: []error{ErrHeader}},
		{name: "leading continuation", in: "OPTIONS sip:a SIP/2.0\r\n folded\r\n\r\n", errs: []error{ErrHeader}},
		{name: "non-numeric content-length", in: "OPTIONS sip:a SIP/2.0\r\nContent-Length: abc\r\n\r\nbody", errs: []error{ErrContentLength},
			check: func(t *testing.T, m *Message) {
				if string(m.Body) != "body" {
					t.Errorf("body %q", m.Body)
				}
			}},
		{name: "huge content-length", in: "OPTIONS sip:a SIP/2.0\r\nl: 99999999999999999999\r\n\r\n", errs: []error{ErrContentLength}},
		{name: "short body", in: "OPTIONS sip:a SIP/2.0\r\nContent-Length: 10\r\n\r\nabc", errs: []error{ErrContentLength, ErrTruncated},
			check: func(t *testing.T, m *Message) {
				if string(m.Body) != "abc" {
					t.Errorf("body %q", m.Body)
				}
			}},
		{name: "too many headers", in: "OPTIONS sip:a SIP/2.0\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", lim: Limits{MaxHeaders: 2}, errs: []error{ErrTooLarge}},
		{name: "long line", in: "OPTIONS sip:a SIP/2.0\r\nX: " + strings.Repeat("y", 100) + "\r\n\r\n", lim: Limits{MaxLineLength: 50}, errs: []error{ErrTooLarge}},
		{name: "long folded value", in: "OPTIONS sip:a SIP/2.0\r\nX: " + strings.Repeat("y", 40) + "\r\n " + strings.Repeat("z", 40) + "\r\n\r\n", lim: Limits{MaxLineLength: 50}, errs: []error{ErrTooLarge}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseWith([]byte(tc.in), tc.lim)
			for _, want := range tc.errs {
				if !errors.Is(err, want) {
					t.Errorf("error %v, want %v", err, want)
				}
			}
			if (m == nil) != tc.nilMsg {
				t.Fatalf("message nil = %v, want %v", m == nil, tc.nilMsg)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestParseLenient(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		check func(t *testing.T, m *Message)
	}{
		{name: "leading CRLF and LF-only", in: "\r\n\r\nOPTIONS sip:a SIP/2.0\nTo: <sip:a>\n\nbody",
			check: func(t *testing.T, m *Message) {
				if m.Method != "OPTIONS" || m.Get("to") != "<sip:a>" || string(m.Body) != "body" {
					t.Errorf("%+v", m)
				}
			}},
		{name: "datagram body longer than Content-Length", in: "OPTIONS sip:a SIP/2.0\r\nl: 2\r\n\r\nabcdef",
			check: func(t *testing.T, m *Message) {
				if string(m.Body) != "ab" || string(m.Trailing) != "cdef" {
					t.Errorf("body %q trailing %q", m.Body, m.Trailing)
				}
			}},
		{name: "no Content-Length on datagram", in: "OPTIONS sip:a SIP/2.0\r\n\r\nrest",
			check: func(t *testing.T, m *Message) {
				if string(m.Body) != "rest" {
					t.Errorf("body %q", m.Body)
				}
			}},
		{name: "equal repeated Content-Length", in: "OPTIONS sip:a SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\nx",
			check: func(t *testing.T, m *Message) {
				if string(m.Body) != "x" {
					t.Errorf("body %q", m.Body)
				}
			}},
		{name: "space before colon and folding", in: "OPTIONS sip:a SIP/2.0\r\nSubject  :  one\r\n\ttwo  \r\n   three\r\n\r\n",
			check: func(t *testing.T, m *Message) {
				if m.Headers[0].Name != "Subject" || m.Get("s") != "one two three" {
					t.Errorf("%+v", m.Headers)
				}
			}},
		{name: "response with empty reason and no SP", in: "SIP/2.0 180\r\n\r\n",
			check: func(t *testing.T, m *Message) {
				if m.IsRequest() || m.StatusCode != 180 || m.Reason != "" {
					t.Errorf("%+v", m)
				}
			}},
		{name: "reason with spaces", in: "SIP/2.0 486 Busy  Here now\r\n\r\n",
			check: func(t *testing.T, m *Message) {
				if m.Reason != "Busy  Here now" {
					t.Errorf("reason %q", m.Reason)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, m)
		})
	}
}

func TestGetAllSplitting(t *testing.T) {
	m := &Message{Headers: []Header{
		{"v", "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2"},
		{"Via", "SIP/2.0/TCP c;branch=z9hG4bK3"},
		{"m", `"Smith, John" <sip:j@a>;q=0.5, <sip:x@y;p=a,b>`},
		{"Contact", "*"},
		{"Allow", "INVITE, ACK,OPTIONS ,,BYE"},
		{"k", "100rel"},
		{"Supported", "timer, path"},
		{"WWW-Authenticate", `Digest realm="a,b", nonce="n", qop="auth,auth-int"`},
		{"WWW-Authenticate", `Digest realm="c"`},
		{"Date", "Sat, 13 Nov 2010 23:29:00 GMT"},
		{"Route", "<sip:p1;lr>,<sip:p2;lr>"},
		{"Accept", `application/sdp;q="0,5", text/plain`},
	}}
	cases := []struct {
		name string
		want []string
	}{
		{"Via", []string{"SIP/2.0/UDP a;branch=z9hG4bK1", "SIP/2.0/UDP b;branch=z9hG4bK2", "SIP/2.0/TCP c;branch=z9hG4bK3"}},
		{"V", []string{"SIP/2.0/UDP a;branch=z9hG4bK1", "SIP/2.0/UDP b;branch=z9hG4bK2", "SIP/2.0/TCP c;branch=z9hG4bK3"}},
		{"contact", []string{`"Smith, John" <sip:j@a>;q=0.5`, "<sip:x@y;p=a,b>", "*"}},
		{"Allow", []string{"INVITE", "ACK", "OPTIONS", "BYE"}},
		{"Supported", []string{"100rel", "timer", "path"}},
		{"www-authenticate", []string{`Digest realm="a,b", nonce="n", qop="auth,auth-int"`, `Digest realm="c"`}},
		{"Date", []string{"Sat, 13 Nov 2010 23:29:00 GMT"}},
		{"Route", []string{"<sip:p1;lr>", "<sip:p2;lr>"}},
		{"Accept", []string{`application/sdp;q="0,5"`, "text/plain"}},
		{"Missing", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := m.GetAll(tc.name); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GetAll(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
	if got := m.Get("Via"); got != "SIP/2.0/UDP a;branch=z9hG4bK1" {
		t.Errorf("Get(Via) = %q", got)
	}
	if got := m.Get("WWW-Authenticate"); got != `Digest realm="a,b", nonce="n", qop="auth,auth-int"` {
		t.Errorf("Get(WWW-Authenticate) = %q", got)
	}
	if m.Count("via") != 2 || !m.Has("k") || m.Has("Require") {
		t.Error("Count/Has")
	}
}

func TestSetDel(t *testing.T) {
	base := func() *Message {
		return &Message{Headers: []Header{
			{"f", "<sip:a@b>;tag=1"}, {"Via", "v1"}, {"From", "<sip:x@y>"}, {"l", "0"}, {"To", "<sip:c@d>"}, {"v", "v2"},
		}}
	}
	cases := []struct {
		name string
		op   func(m *Message)
		want []Header
	}{
		{"Set replaces first compact, removes long", func(m *Message) { m.Set("From", "<sip:n@n>") },
			[]Header{{"From", "<sip:n@n>"}, {"Via", "v1"}, {"l", "0"}, {"To", "<sip:c@d>"}, {"v", "v2"}}},
		{"Set with compact name", func(m *Message) { m.Set("v", "only") },
			[]Header{{"f", "<sip:a@b>;tag=1"}, {"v", "only"}, {"From", "<sip:x@y>"}, {"l", "0"}, {"To", "<sip:c@d>"}}},
		{"Set appends when absent", func(m *Message) { m.Set("Max-Forwards", "70") },
			[]Header{{"f", "<sip:a@b>;tag=1"}, {"Via", "v1"}, {"From", "<sip:x@y>"}, {"l", "0"}, {"To", "<sip:c@d>"}, {"v", "v2"}, {"Max-Forwards", "70"}}},
		{"Del all forms", func(m *Message) { m.Del("VIA") },
			[]Header{{"f", "<sip:a@b>;tag=1"}, {"From", "<sip:x@y>"}, {"l", "0"}, {"To", "<sip:c@d>"}}},
		{"Del compact name removes long", func(m *Message) { m.Del("f"); m.Del("content-length") },
			[]Header{{"Via", "v1"}, {"To", "<sip:c@d>"}, {"v", "v2"}}},
		{"Add and Prepend", func(m *Message) { m.Prepend("Via", "v0"); m.Add("X", "1") },
			[]Header{{"Via", "v0"}, {"f", "<sip:a@b>;tag=1"}, {"Via", "v1"}, {"From", "<sip:x@y>"}, {"l", "0"}, {"To", "<sip:c@d>"}, {"v", "v2"}, {"X", "1"}}},
		{"SetBody", func(m *Message) { m.SetBody("text/plain", []byte("hi")) },
			[]Header{{"f", "<sip:a@b>;tag=1"}, {"Via", "v1"}, {"From", "<sip:x@y>"}, {"Content-Length", "2"}, {"To", "<sip:c@d>"}, {"v", "v2"}, {"Content-Type", "text/plain"}}},
		{"SetBody empty type deletes it", func(m *Message) { m.Add("c", "x/y"); m.SetBody("", nil) },
			[]Header{{"f", "<sip:a@b>;tag=1"}, {"Via", "v1"}, {"From", "<sip:x@y>"}, {"Content-Length", "0"}, {"To", "<sip:c@d>"}, {"v", "v2"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.op(m)
			if !reflect.DeepEqual(m.Headers, tc.want) {
				t.Errorf("headers\n %q\nwant\n %q", m.Headers, tc.want)
			}
		})
	}
}

func TestBytesMalformedExact(t *testing.T) {
	m := &Message{
		Method: "INVITE", RequestURI: "sip:a@b c", Version: "SIP/9.9",
		Headers: []Header{
			{"Content-Length", "9999"},
			{"Via", ""},
			{"", "no colon line"},
			{"X-Bad Name", "v"},
			{"CSeq", "1 INVITE"},
			{"CSeq", "2 BYE"},
		},
		Body: []byte("\x00\xffbody"),
	}
	want := "INVITE sip:a@b c SIP/9.9\r\nContent-Length: 9999\r\nVia: \r\nno colon line\r\nX-Bad Name: v\r\nCSeq: 1 INVITE\r\nCSeq: 2 BYE\r\n\r\n\x00\xffbody"
	if got := string(m.Bytes()); got != want {
		t.Errorf("Bytes =\n%q\nwant\n%q", got, want)
	}
	if m.String() != want {
		t.Error("String differs from Bytes")
	}
	resp := &Message{StatusCode: 999, Reason: "", Version: "SIP/2.0"}
	if got := string(resp.Bytes()); got != "SIP/2.0 999 \r\n\r\n" {
		t.Errorf("response Bytes %q", got)
	}
}

func TestClone(t *testing.T) {
	m, _ := Parse([]byte(inviteText))
	c := m.Clone()
	c.Headers[0].Value = "changed"
	c.Body[0] = 'X'
	c.Set("To", "x")
	if m.Headers[0].Value == "changed" || m.Body[0] == 'X' || m.Get("To") == "x" {
		t.Error("Clone shares memory with the original")
	}
}

func TestNewRequestResponse(t *testing.T) {
	r := NewRequest("OPTIONS", "sip:a@b")
	if r.StartLine() != "OPTIONS sip:a@b SIP/2.0" || len(r.Headers) != 0 {
		t.Errorf("NewRequest %q %v", r.StartLine(), r.Headers)
	}
	req, err := Parse([]byte("INVITE sip:bob@b SIP/2.0\r\n" +
		"v: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\n" +
		"Via: SIP/2.0/UDP c;branch=z9hG4bK3\r\n" +
		"Max-Forwards: 70\r\nf: <sip:a@a>;tag=9\r\nt: <sip:bob@b>\r\ni: cid@a\r\nCSeq: 7 INVITE\r\n" +
		"Record-Route: <sip:p;lr>\r\nContact: <sip:a@1.2.3.4>\r\nl: 0\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp := NewResponse(req, 486, "")
	want := "SIP/2.0 486 Busy Here\r\n" +
		"Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\n" +
		"Via: SIP/2.0/UDP c;branch=z9hG4bK3\r\n" +
		"From: <sip:a@a>;tag=9\r\nTo: <sip:bob@b>\r\nCall-ID: cid@a\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n"
	if got := resp.String(); got != want {
		t.Errorf("NewResponse =\n%s\nwant\n%s", got, want)
	}
	if errs := Validate(resp); errs != nil {
		t.Errorf("Validate(response) = %v", errs)
	}
	if got := NewResponse(req, 299, "Custom").StartLine(); got != "SIP/2.0 299 Custom" {
		t.Errorf("custom reason %q", got)
	}
}

func TestReasonPhrase(t *testing.T) {
	for code, want := range map[int]string{100: "Trying", 200: "OK", 401: "Unauthorized", 481: "Call/Transaction Does Not Exist",
		503: "Service Unavailable", 603: "Decline", 199: "Early Dialog Terminated", 299: "Success", 498: "Client Error", 42: "Unknown"} {
		if got := ReasonPhrase(code); got != want {
			t.Errorf("ReasonPhrase(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestIDs(t *testing.T) {
	zero := bytes.NewReader(make([]byte, 64))
	if got := NewBranch(zero); got != "z9hG4bK"+strings.Repeat("0", 24) {
		t.Errorf("NewBranch = %q", got)
	}
	seq := bytes.NewReader([]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4})
	if got := NewTag(seq); got != "deadbeef01020304" {
		t.Errorf("NewTag = %q", got)
	}
	if got := NewCallID(bytes.NewReader(make([]byte, 16)), "host.example"); got != strings.Repeat("0", 32)+"@host.example" {
		t.Errorf("NewCallID = %q", got)
	}
	a, b := NewBranch(nil), NewBranch(nil)
	if a == b || len(a) != 31 || !strings.HasPrefix(a, BranchMagic) {
		t.Errorf("random branches %q %q", a, b)
	}
	if id := NewCallID(nil, ""); len(id) != 32 || strings.Contains(id, "@") {
		t.Errorf("NewCallID without host = %q", id)
	}
}

func TestCSeqParse(t *testing.T) {
	cases := []struct {
		in     string
		n      uint32
		method string
		err    error
	}{
		{"1 INVITE", 1, "INVITE", nil},
		{"0009\t INVITE", 9, "INVITE", nil},
		{"4294967295 BYE", 4294967295, "BYE", nil},
		{"4294967296 BYE", 0, "", ErrCSeq},
		{"-1 BYE", 0, "", ErrCSeq},
		{"1", 0, "", ErrCSeq},
		{"1 INVITE extra", 0, "", ErrCSeq},
		{"1 IN(VITE", 0, "", ErrCSeq},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			n, method, err := ParseCSeq(tc.in)
			if !errors.Is(err, tc.err) || n != tc.n || method != tc.method {
				t.Errorf("ParseCSeq(%q) = %d %q %v", tc.in, n, method, err)
			}
		})
	}
	if _, _, err := (&Message{}).CSeq(); !errors.Is(err, ErrMissingHeader) {
		t.Errorf("missing CSeq: %v", err)
	}
	if _, err := (&Message{}).TopVia(); !errors.Is(err, ErrMissingHeader) {
		t.Errorf("missing Via: %v", err)
	}
	if _, err := (&Message{}).From(); !errors.Is(err, ErrMissingHeader) {
		t.Errorf("missing From: %v", err)
	}
}

func TestHeaderNames(t *testing.T) {
	for in, want := range map[string]string{"v": "Via", "I": "Call-ID", "call-id": "Call-ID", "www-authenticate": "WWW-Authenticate",
		"x-custom-thing": "X-Custom-Thing", "cseq": "CSeq", "o": "Event", "y": "Identity", "n": "Identity-Info", "q": "Q"} {
		if got := CanonicalHeaderName(in); got != want {
			t.Errorf("CanonicalHeaderName(%q) = %q, want %q", in, got, want)
		}
	}
	if c, ok := CompactForm("CALL-ID"); !ok || c != "i" {
		t.Errorf("CompactForm(CALL-ID) = %q %v", c, ok)
	}
	if _, ok := CompactForm("Max-Forwards"); ok {
		t.Error("Max-Forwards has no compact form")
	}
	if !IsListHeader("m") || IsListHeader("Authorization") || IsListHeader("Date") {
		t.Error("IsListHeader")
	}
}

// TestTokenChars holds isTokenChar to RFC 3261 §25.1: token =
// 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~").
func TestTokenChars(t *testing.T) {
	const marks = "-.!%*_+`'~"
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(marks, b) >= 0
		if isTokenChar(b) != want {
			t.Errorf("isTokenChar(%q) = %v, want %v", b, !want, want)
		}
	}
}
