package sip

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Version2 is the SIP-Version string of RFC 3261.
const Version2 = "SIP/2.0"

// Header is one header field line. Name is as on the wire (it may be a
// compact form such as "v"); Value has line folding replaced by single
// spaces and surrounding whitespace trimmed (RFC 3261 §7.3.1).
//
// A Header with an empty Name is a raw line: Bytes emits Value verbatim
// followed by CRLF, which lets callers emit lines without a colon. Parse
// produces such headers for lines it cannot split (with ErrHeader).
type Header struct{ Name, Value string }

// Message is a SIP request or response (RFC 3261 §7). The model is kept as
// close to the wire as possible: headers keep their order, repetitions and
// spelling, and Bytes serialises exactly what the fields hold, with no
// automatic fixups, so malformed messages can be built on purpose.
type Message struct {
	// Method and RequestURI are set for requests.
	Method, RequestURI string
	// StatusCode and Reason are set for responses.
	StatusCode int
	Reason     string
	// Version is the SIP-Version of the start line, normally "SIP/2.0".
	Version string
	// Headers holds the header fields in wire order, repeats kept.
	Headers []Header
	// Body is the message body.
	Body []byte
	// Trailing holds bytes Parse found after the Content-Length bytes of
	// the body and discarded (RFC 3261 §18.3). Bytes does not emit them.
	Trailing []byte
	// Raw holds a copy of the input Parse read, for evidence. Bytes does
	// not use it and it goes stale once the message is modified. The
	// start line and header strings Parse returns share its memory: its
	// bytes must not be modified (replace the slice instead).
	Raw []byte
}

// IsRequest reports whether m is a request (it has a Method).
func (m *Message) IsRequest() bool { return m.Method != "" }

// StartLine returns the Request-Line or Status-Line without CRLF, built
// from the fields as they are.
func (m *Message) StartLine() string {
	if m.IsRequest() {
		return m.Method + " " + m.RequestURI + " " + m.Version
	}
	return m.Version + " " + strconv.Itoa(m.StatusCode) + " " + m.Reason
}

// Get returns the first value of the named header, or "" when absent.
// Names are case-insensitive and compact forms equal long forms. For list
// headers (see IsListHeader) the first list element is returned, so
// Get("Via") is the topmost Via value even when several share a line; for
// other headers the whole value of the first instance is returned.
func (m *Message) Get(name string) string {
	key := headerKey(name)
	list := isListKey(key)
	for _, h := range m.Headers {
		if h.Name == "" || !sameHeader(h.Name, key) {
			continue
		}
		if !list {
			return h.Value
		}
		if vs := SplitList(h.Value); len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// Has reports whether the named header is present (any form, any case).
func (m *Message) Has(name string) bool {
	key := headerKey(name)
	for _, h := range m.Headers {
		if h.Name != "" && sameHeader(h.Name, key) {
			return true
		}
	}
	return false
}

// GetAll returns every value of the named header across repeated header
// lines, in order. Values of list headers (see IsListHeader) are split at
// top-level commas, respecting quoted strings and <...>; other headers
// (WWW-Authenticate, Authorization, Date ...) are returned one value per
// line.
func (m *Message) GetAll(name string) []string {
	key := headerKey(name)
	list := isListKey(key)
	var out []string
	for _, h := range m.Headers {
		if h.Name == "" || !sameHeader(h.Name, key) {
			continue
		}
		if list {
			out = append(out, SplitList(h.Value)...)
		} else {
			out = append(out, h.Value)
		}
	}
	return out
}

// Count returns the number of header lines with the given name (any form,
// any case), without splitting lists.
func (m *Message) Count(name string) int {
	key := headerKey(name)
	n := 0
	for _, h := range m.Headers {
		if h.Name != "" && sameHeader(h.Name, key) {
			n++
		}
	}
	return n
}

// Add appends a header line.
func (m *Message) Add(name, value string) {
	m.Headers = append(m.Headers, Header{Name: name, Value: value})
}

// Prepend inserts a header line before all others, as a proxy does with
// its Via (RFC 3261 §16.6 step 8).
func (m *Message) Prepend(name, value string) {
	m.Headers = append([]Header{{Name: name, Value: value}}, m.Headers...)
}

// Set replaces the first instance of the named header (any form) with
// name: value and deletes the other instances; it appends the header when
// absent.
func (m *Message) Set(name, value string) {
	key := headerKey(name)
	out := m.Headers[:0]
	done := false
	for _, h := range m.Headers {
		if h.Name != "" && sameHeader(h.Name, key) {
			if done {
				continue
			}
			h = Header{Name: name, Value: value}
			done = true
		}
		out = append(out, h)
	}
	if !done {
		out = append(out, Header{Name: name, Value: value})
	}
	m.Headers = out
}

// Del deletes every instance of the named header (any form, any case).
func (m *Message) Del(name string) {
	key := headerKey(name)
	out := m.Headers[:0]
	for _, h := range m.Headers {
		if h.Name != "" && sameHeader(h.Name, key) {
			continue
		}
		out = append(out, h)
	}
	clear(m.Headers[len(out):])
	m.Headers = out
}

// SetBody sets the body, the Content-Type header (deleted when contentType
// is empty) and the Content-Length header.
func (m *Message) SetBody(contentType string, body []byte) {
	m.Body = body
	if contentType == "" {
		m.Del("Content-Type")
	} else {
		m.Set("Content-Type", contentType)
	}
	m.Set("Content-Length", strconv.Itoa(len(body)))
}

// Bytes serialises the message exactly as modelled: the start line, each
// header as "Name: Value" (or the raw Value when Name is empty), an empty
// line and the body, with CRLF line ends. Nothing is added or corrected:
// Content-Length is emitted only if present in Headers, whatever its value.
func (m *Message) Bytes() []byte {
	n := len(m.StartLine()) + 4 + len(m.Body)
	for _, h := range m.Headers {
		n += len(h.Name) + len(h.Value) + 4
	}
	var b bytes.Buffer
	b.Grow(n)
	b.WriteString(m.StartLine())
	b.WriteString("\r\n")
	for _, h := range m.Headers {
		if h.Name != "" {
			b.WriteString(h.Name)
			b.WriteString(": ")
		}
		b.WriteString(h.Value)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(m.Body)
	return b.Bytes()
}

// String returns Bytes as a string.
func (m *Message) String() string { return string(m.Bytes()) }

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	c := *m
	c.Headers = append([]Header(nil), m.Headers...)
	c.Body = bytes.Clone(m.Body)
	c.Trailing = bytes.Clone(m.Trailing)
	c.Raw = bytes.Clone(m.Raw)
	return &c
}

// CallID returns the Call-ID header value (compact form "i" included).
func (m *Message) CallID() string { return m.Get("Call-ID") }

// CSeq parses the CSeq header into its sequence number and method
// (RFC 3261 §20.16). The error wraps ErrMissingHeader or ErrCSeq.
func (m *Message) CSeq() (uint32, string, error) {
	if !m.Has("CSeq") {
		return 0, "", fmt.Errorf("sip: CSeq: %w", ErrMissingHeader)
	}
	return ParseCSeq(m.Get("CSeq"))
}

// ParseCSeq parses a CSeq value "1*DIGIT LWS Method". The number must fit
// in 32 bits (RFC 3261 §8.1.1.5 requires less than 2**31 when chosen by a
// UAC; receivers accept the full 32-bit range).
func ParseCSeq(v string) (uint32, string, error) {
	f := strings.Fields(v)
	if len(f) != 2 {
		return 0, "", fmt.Errorf("sip: CSeq %q: want number and method: %w", v, ErrCSeq)
	}
	if !isDigits(f[0]) {
		return 0, "", fmt.Errorf("sip: CSeq %q: number is not decimal: %w", v, ErrCSeq)
	}
	n, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil {
		return 0, "", fmt.Errorf("sip: CSeq %q: number out of range: %w", v, ErrCSeq)
	}
	if !isToken(f[1]) {
		return 0, "", fmt.Errorf("sip: CSeq %q: method is not a token: %w", v, ErrCSeq)
	}
	return uint32(n), f[1], nil
}

// TopVia parses the topmost Via value.
func (m *Message) TopVia() (Via, error) {
	v := m.Get("Via")
	if v == "" {
		return Via{}, fmt.Errorf("sip: Via: %w", ErrMissingHeader)
	}
	vs, err := ParseVia(v)
	if err != nil {
		return Via{}, err
	}
	return vs[0], nil
}

// From parses the From header.
func (m *Message) From() (NameAddr, error) { return m.nameAddr("From") }

// To parses the To header.
func (m *Message) To() (NameAddr, error) { return m.nameAddr("To") }

func (m *Message) nameAddr(name string) (NameAddr, error) {
	if !m.Has(name) {
		return NameAddr{}, fmt.Errorf("sip: %s: %w", name, ErrMissingHeader)
	}
	na, err := ParseNameAddr(m.Get(name))
	if err != nil {
		return NameAddr{}, fmt.Errorf("sip: %s: %w", name, err)
	}
	return na, nil
}

// NewRequest returns a request with the given method and Request-URI,
// Version SIP/2.0 and no headers.
func NewRequest(method, requestURI string) *Message {
	return &Message{Method: method, RequestURI: requestURI, Version: Version2}
}

// NewResponse builds a response to req as RFC 3261 §8.2.6.2 requires: it
// copies every Via (in order), From, To, Call-ID and CSeq, and adds
// "Content-Length: 0". An empty reason becomes ReasonPhrase(code). The
// caller adds the To tag (mandatory above 100, §8.2.6.2) and anything else.
func NewResponse(req *Message, code int, reason string) *Message {
	if reason == "" {
		reason = ReasonPhrase(code)
	}
	r := &Message{StatusCode: code, Reason: reason, Version: Version2}
	for _, h := range req.Headers {
		if h.Name != "" && sameHeader(h.Name, "via") {
			r.Add("Via", h.Value)
		}
	}
	for _, name := range []string{"From", "To", "Call-ID", "CSeq"} {
		key := headerKey(name)
		for _, h := range req.Headers {
			if h.Name != "" && sameHeader(h.Name, key) {
				r.Add(name, h.Value)
				break
			}
		}
	}
	r.Add("Content-Length", "0")
	return r
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTokenChar reports whether c is a token character (RFC 3261 §25.1):
// alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~".
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}
