package sip

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// Default limits used when a Limits field is zero.
const (
	DefaultMaxMessageSize = 65535
	DefaultMaxHeaders     = 256
	DefaultMaxLineLength  = 8192
)

// Limits bounds what Parse and ReadStreamMessage accept. A zero field
// means its default.
type Limits struct {
	// MaxMessageSize bounds the whole message in bytes (default 65535,
	// the largest UDP payload of RFC 3261 §18.1.1's concern).
	MaxMessageSize int
	// MaxHeaders bounds the number of header lines (default 256).
	MaxHeaders int
	// MaxLineLength bounds one line, and one header field as Bytes
	// writes it ("Name: Value" with folding joined) (default 8192).
	MaxLineLength int
}

func (l Limits) withDefaults() Limits {
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = DefaultMaxMessageSize
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxLineLength <= 0 {
		l.MaxLineLength = DefaultMaxLineLength
	}
	return l
}

// Parse parses one SIP message from a datagram or from the bytes
// ReadStreamMessage returned, with default Limits. See ParseWith.
func Parse(data []byte) (*Message, error) { return ParseWith(data, Limits{}) }

// ParseWith parses one SIP message (RFC 3261 §7) leniently:
//
//   - leading CRLFs are skipped (§7.5) and LF-only line ends are accepted;
//   - header names are kept as on the wire (compact forms too), folded
//     continuation lines are joined with a single space (§7.3.1);
//   - the body is the Content-Length bytes after the blank line; extra
//     bytes are moved to Trailing (§18.3, datagrams); without
//     Content-Length the body is the rest of the input.
//
// On a syntax problem ParseWith still returns everything it could read
// together with an error that wraps one or more sentinels (ErrStartLine,
// ErrVersion, ErrHeader, ErrContentLength, ErrTruncated, ErrTooLarge,
// ErrEmpty). Only for ErrTooLarge on the whole input and ErrEmpty is the
// message nil. It never panics and allocates in proportion to the input,
// which is bounded by lim.MaxMessageSize.
func ParseWith(data []byte, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxMessageSize {
		return nil, fmt.Errorf("sip: message of %d bytes exceeds %d: %w", len(data), lim.MaxMessageSize, ErrTooLarge)
	}
	m := &Message{Raw: bytes.Clone(data)}
	var errs []error

	// Skip keep-alive CRLFs (RFC 3261 §7.5).
	i := 0
	for i < len(data) && (data[i] == '\r' || data[i] == '\n') {
		i++
	}
	if i == len(data) {
		return nil, fmt.Errorf("sip: no start line: %w", ErrEmpty)
	}

	// Read lines until the empty line ending the header block. The lines
	// and so the header values are substrings of one string that shares
	// Raw's memory (Raw is the message's own copy and is not modified),
	// so parsing copies the message once.
	text := unsafe.String(&m.Raw[i], len(m.Raw)-i)
	lines := make([]string, 0, 32)
	terminated := false
	k := 0
	for k < len(text) {
		j := strings.IndexByte(text[k:], '\n')
		var line string
		if j < 0 {
			line = text[k:]
			k = len(text)
		} else {
			line = text[k : k+j]
			k += j + 1
		}
		line = strings.TrimSuffix(line, "\r")
		if len(line) == 0 {
			terminated = true
			break
		}
		if len(line) > lim.MaxLineLength {
			errs = append(errs, fmt.Errorf("sip: line %d has %d bytes, limit %d: %w", len(lines)+1, len(line), lim.MaxLineLength, ErrTooLarge))
			line = line[:lim.MaxLineLength]
		}
		lines = append(lines, line)
	}
	i += k
	// The body and trailing bytes are views into Raw (a copy of data,
	// capacity-capped so appending to them copies) rather than copies of
	// their own.
	body := m.Raw[i:len(data):len(data)]
	if !terminated {
		errs = append(errs, fmt.Errorf("sip: no empty line after headers: %w", ErrTruncated))
	}

	if err := m.parseStartLine(lines[0]); err != nil {
		errs = append(errs, err)
	}
	if len(lines) > 1 {
		m.Headers = make([]Header, 0, min(len(lines)-1, lim.MaxHeaders))
	}
	errs = append(errs, m.parseHeaders(lines[1:], lim)...)

	// Body framing by Content-Length.
	cl, clErr := contentLength(m)
	switch {
	case clErr != nil:
		errs = append(errs, clErr)
		m.Body = body
	case cl < 0:
		m.Body = body
	case cl < len(body):
		m.Body = body[:cl:cl]
		m.Trailing = body[cl:]
	case cl > len(body):
		m.Body = body
		errs = append(errs, fmt.Errorf("sip: Content-Length %d but %d body bytes: %w: %w", cl, len(body), ErrContentLength, ErrTruncated))
	default:
		m.Body = body
	}
	if len(m.Body) == 0 {
		m.Body = nil
	}
	return m, errors.Join(errs...)
}

// parseStartLine fills the start-line fields from line. It keeps what it
// can read even when the line is malformed.
func (m *Message) parseStartLine(line string) error {
	if strings.HasPrefix(line, "SIP/") || strings.HasPrefix(line, "sip/") {
		return m.parseStatusLine(line)
	}
	// Request-Line = Method SP Request-URI SP SIP-Version (§7.1). Exactly
	// one SP between fields; no other whitespace.
	first := strings.IndexByte(line, ' ')
	last := strings.LastIndexByte(line, ' ')
	if first < 0 {
		m.Method = line
		return fmt.Errorf("sip: request line %q: %w", line, ErrStartLine)
	}
	m.Method = line[:first]
	if first == last {
		m.RequestURI = line[first+1:]
		return fmt.Errorf("sip: request line %q: missing field: %w", line, ErrStartLine)
	}
	m.RequestURI = line[first+1 : last]
	m.Version = line[last+1:]
	var errs []error
	if !isToken(m.Method) {
		errs = append(errs, fmt.Errorf("sip: method %q is not a token: %w", m.Method, ErrStartLine))
	}
	if m.RequestURI == "" || strings.ContainsAny(m.RequestURI, " \t") {
		errs = append(errs, fmt.Errorf("sip: Request-URI %q contains whitespace: %w", m.RequestURI, ErrStartLine))
	}
	if m.Version == "" || strings.ContainsAny(line, "\t") {
		errs = append(errs, fmt.Errorf("sip: request line %q: bad whitespace: %w", line, ErrStartLine))
	} else if !validVersionSyntax(m.Version) {
		errs = append(errs, fmt.Errorf("sip: version %q: %w", m.Version, ErrVersion))
	}
	return errors.Join(errs...)
}

func (m *Message) parseStatusLine(line string) error {
	// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2).
	sp := strings.IndexByte(line, ' ')
	if sp < 0 {
		m.Version = line
		return fmt.Errorf("sip: status line %q: %w", line, ErrStartLine)
	}
	m.Version = line[:sp]
	rest := line[sp+1:]
	code := rest
	if sp2 := strings.IndexByte(rest, ' '); sp2 >= 0 {
		code, m.Reason = rest[:sp2], rest[sp2+1:]
	}
	var errs []error
	if !validVersionSyntax(m.Version) {
		errs = append(errs, fmt.Errorf("sip: version %q: %w", m.Version, ErrVersion))
	}
	if len(code) != 3 || !isDigits(code) || code[0] < '1' {
		if n, err := strconv.Atoi(code); err == nil && isDigits(code) {
			m.StatusCode = n
		}
		errs = append(errs, fmt.Errorf("sip: status code %q is not 3 digits 100-699: %w", code, ErrStartLine))
		return errors.Join(errs...)
	}
	m.StatusCode, _ = strconv.Atoi(code)
	if m.StatusCode > 699 {
		errs = append(errs, fmt.Errorf("sip: status code %d out of range: %w", m.StatusCode, ErrStartLine))
	}
	return errors.Join(errs...)
}

// validVersionSyntax reports whether v matches "SIP" "/" 1*DIGIT "." 1*DIGIT
// (case-insensitive "SIP", RFC 3261 §7.1).
func validVersionSyntax(v string) bool {
	if len(v) < 4 || !strings.EqualFold(v[:4], "SIP/") {
		return false
	}
	maj, min, ok := strings.Cut(v[4:], ".")
	return ok && isDigits(maj) && isDigits(min)
}

// parseHeaders appends the header lines to m, joining folded lines.
func (m *Message) parseHeaders(lines []string, lim Limits) []error {
	var errs []error
	// Continuation pieces of the last header are collected and joined
	// once, so that many folded lines cost linear time.
	var pieces []string
	size, valueEmpty := 0, true // of the last header as "Name: Value"
	flush := func() {
		if len(pieces) > 0 {
			h := &m.Headers[len(m.Headers)-1]
			h.Value = strings.Join(append([]string{h.Value}, pieces...), " ")
			h.Value = strings.TrimPrefix(h.Value, " ") // empty first value
			pieces = pieces[:0]
		}
	}
	for n, line := range lines {
		if line[0] == ' ' || line[0] == '\t' {
			// Continuation of the previous header (LWS, §7.3.1).
			if len(m.Headers) == 0 || m.Headers[len(m.Headers)-1].Name == "" {
				errs = append(errs, fmt.Errorf("sip: header line %d: continuation without header: %w", n+1, ErrHeader))
				m.Headers = append(m.Headers, Header{Value: line})
				continue
			}
			add := trimLWS(line)
			if add == "" {
				continue
			}
			grow := len(add)
			if !valueEmpty {
				grow++ // the joining space
			}
			if size+grow > lim.MaxLineLength {
				errs = append(errs, fmt.Errorf("sip: header %q: folded value exceeds %d bytes: %w", m.Headers[len(m.Headers)-1].Name, lim.MaxLineLength, ErrTooLarge))
				continue
			}
			size += grow
			valueEmpty = false
			pieces = append(pieces, add)
			continue
		}
		flush()
		if len(m.Headers) >= lim.MaxHeaders {
			errs = append(errs, fmt.Errorf("sip: more than %d headers: %w", lim.MaxHeaders, ErrTooLarge))
			break
		}
		name, value, ok := strings.Cut(line, ":")
		name = trimLWSRight(name)
		if !ok || !isToken(name) {
			errs = append(errs, fmt.Errorf("sip: header line %q: %w", truncate(line, 64), ErrHeader))
			m.Headers = append(m.Headers, Header{Value: line})
			continue
		}
		value = trimLWS(value)
		if len(name)+2+len(value) > lim.MaxLineLength {
			// Checked as serialised by Bytes ("Name: Value"), so that
			// whatever Parse accepts, Bytes output is accepted too.
			errs = append(errs, fmt.Errorf("sip: header %q: line exceeds %d bytes: %w", truncate(name, 64), lim.MaxLineLength, ErrTooLarge))
			value = value[:max(0, lim.MaxLineLength-len(name)-2)]
		}
		m.Headers = append(m.Headers, Header{Name: name, Value: value})
		size, valueEmpty = len(name)+2+len(value), value == ""
	}
	flush()
	return errs
}

// contentLength returns the Content-Length value, or -1 when absent. All
// instances must be decimal and agree.
func contentLength(m *Message) (int, error) {
	n := -1
	for _, h := range m.Headers {
		if h.Name == "" || !sameHeader(h.Name, "content-length") {
			continue
		}
		v, err := parseContentLength(h.Value)
		if err != nil {
			return -1, err
		}
		if n >= 0 && v != n {
			return -1, fmt.Errorf("sip: Content-Length given as both %d and %d: %w", n, v, ErrContentLength)
		}
		n = v
	}
	return n, nil
}

// parseContentLength parses 1*DIGIT, refusing values that do not fit an
// int32 so that callers never allocate from an attacker-chosen length.
func parseContentLength(v string) (int, error) {
	if !isDigits(v) {
		return 0, fmt.Errorf("sip: Content-Length %q is not a decimal number: %w", truncate(v, 32), ErrContentLength)
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("sip: Content-Length %q out of range: %w", truncate(v, 32), ErrContentLength)
	}
	return int(n), nil
}

// trimLWS removes leading and trailing SP and HTAB (RFC 3261 §25.1 LWS
// after unfolding); other bytes are kept as on the wire. (A loop, not
// strings.Trim with a cutset, which builds a set per call: this runs for
// every header line.)
func trimLWS(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return trimLWSRight(s[i:])
}

// trimLWSRight removes the spaces and tabs at the end of s.
func trimLWSRight(s string) string {
	j := len(s)
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return s[:j]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
