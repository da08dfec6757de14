package digest

import (
	"fmt"
	"strings"
)

// MaxHeaderLen bounds the length of a header value accepted by ParseChallenge and
// ParseCredentials.
const MaxHeaderLen = 8192

// MaxParams bounds the number of parameters accepted in one header value.
const MaxParams = 64

// Param is one auth-param, name=value. Quoted records whether the value was (or
// is to be) written as a quoted-string.
type Param struct {
	Name, Value string
	Quoted      bool
}

// isTchar reports whether b is a token character (RFC 7230 tchar).
func isTchar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// isWS reports whether b is whitespace between elements. CR and LF are accepted so
// that folded SIP header values parse without unfolding first.
func isWS(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// isBareByte reports whether b may appear in an unquoted parameter value. The
// grammar wants a token, but devices send unquoted base64 nonces and URIs, so any
// visible character except ',' and '"' is accepted, plus non-ASCII bytes.
func isBareByte(b byte) bool { return b > ' ' && b != 0x7f && b != ',' && b != '"' }

// isBare reports whether s can be written as an unquoted parameter value and
// parsed back unchanged.
func isBare(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareByte(s[i]) {
			return false
		}
	}
	return true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

// isCTL reports whether b is a control character that a quoted-string cannot carry.
func isCTL(b byte) bool { return (b < ' ' && b != '\t') || b == 0x7f }

type lexer struct {
	s string
	i int
}

func (l *lexer) skipWS() {
	for l.i < len(l.s) && isWS(l.s[l.i]) {
		l.i++
	}
}

func (l *lexer) eof() bool { return l.i >= len(l.s) }

func (l *lexer) token() string {
	start := l.i
	for l.i < len(l.s) && isTchar(l.s[l.i]) {
		l.i++
	}
	return l.s[start:l.i]
}

// quoted reads a quoted-string starting at the opening quote and returns its
// unescaped content.
func (l *lexer) quoted() (string, error) {
	l.i++ // opening quote
	// Most quoted-strings hold no escape: their content is the text up
	// to the closing quote, returned without a copy.
	for j := l.i; j < len(l.s); j++ {
		c := l.s[j]
		if c == '"' {
			v := l.s[l.i:j]
			l.i = j + 1
			return v, nil
		}
		if c == '\\' || isCTL(c) {
			break
		}
	}
	var b strings.Builder
	for l.i < len(l.s) {
		c := l.s[l.i]
		switch {
		case c == '"':
			l.i++
			return b.String(), nil
		case c == '\\':
			if l.i+1 >= len(l.s) {
				return "", fmt.Errorf("%w: backslash at end of quoted-string", ErrSyntax)
			}
			if isCTL(l.s[l.i+1]) {
				return "", fmt.Errorf("%w: control character after backslash at offset %d", ErrSyntax, l.i+1)
			}
			b.WriteByte(l.s[l.i+1])
			l.i += 2
		case isCTL(c):
			return "", fmt.Errorf("%w: control character in quoted-string at offset %d", ErrSyntax, l.i)
		default:
			b.WriteByte(c)
			l.i++
		}
	}
	return "", fmt.Errorf("%w: unterminated quoted-string", ErrSyntax)
}

// parseAuthInto splits `scheme param=value, param="value", ...` into the scheme and
// the parameters in order. Empty list elements (",,") are skipped.
// The parameters are appended to params: the parsers pass a buffer on
// their stack, as they keep no parameter list.
func parseAuthInto(v string, params []Param) (string, []Param, error) {
	if len(v) > MaxHeaderLen {
		return "", nil, fmt.Errorf("%w: header value longer than %d bytes", ErrSyntax, MaxHeaderLen)
	}
	l := &lexer{s: v}
	l.skipWS()
	scheme := l.token()
	if scheme == "" {
		return "", nil, fmt.Errorf("%w: missing auth scheme", ErrSyntax)
	}
	if !l.eof() && !isWS(l.s[l.i]) {
		return "", nil, fmt.Errorf("%w: unexpected %q after scheme", ErrSyntax, l.s[l.i])
	}
	for {
		l.skipWS()
		if l.eof() {
			return scheme, params, nil
		}
		if l.s[l.i] == ',' {
			l.i++
			continue
		}
		name := l.token()
		if name == "" {
			return "", nil, fmt.Errorf("%w: unexpected %q at offset %d", ErrSyntax, l.s[l.i], l.i)
		}
		l.skipWS()
		if l.eof() || l.s[l.i] != '=' {
			return "", nil, fmt.Errorf("%w: parameter %q has no value (only one challenge per header value is supported)", ErrSyntax, name)
		}
		l.i++
		l.skipWS()
		if l.eof() {
			return "", nil, fmt.Errorf("%w: parameter %q has no value", ErrSyntax, name)
		}
		p := Param{Name: name}
		if l.s[l.i] == '"' {
			val, err := l.quoted()
			if err != nil {
				return "", nil, fmt.Errorf("parameter %q: %w", name, err)
			}
			p.Value, p.Quoted = val, true
		} else {
			start := l.i
			for l.i < len(l.s) && isBareByte(l.s[l.i]) {
				l.i++
			}
			if l.i == start {
				return "", nil, fmt.Errorf("%w: parameter %q has no value", ErrSyntax, name)
			}
			p.Value = l.s[start:l.i]
		}
		if len(params) == MaxParams {
			return "", nil, fmt.Errorf("%w: more than %d parameters", ErrSyntax, MaxParams)
		}
		params = append(params, p)
		l.skipWS()
		if !l.eof() && l.s[l.i] != ',' {
			return "", nil, fmt.Errorf("%w: unexpected %q after parameter %q", ErrSyntax, l.s[l.i], name)
		}
	}
}

// quote writes s as a quoted-string. Control characters other than HTAB cannot be
// carried by a quoted-string and are dropped, so a value can never inject a line
// break into a header.
func quote(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case isCTL(c):
			// dropped
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// paramWriter builds a "Scheme a=b, c="d"" header value.
type paramWriter struct {
	b     strings.Builder
	first bool
}

func newParamWriter(scheme string) *paramWriter {
	w := &paramWriter{first: true}
	if !isToken(scheme) {
		scheme = "Digest"
	}
	w.b.WriteString(scheme)
	return w
}

func (w *paramWriter) name(n string) {
	if w.first {
		w.b.WriteByte(' ')
		w.first = false
	} else {
		w.b.WriteString(", ")
	}
	w.b.WriteString(n)
	w.b.WriteByte('=')
}

// quoted writes name="value".
func (w *paramWriter) quoted(n, v string) {
	w.name(n)
	quote(&w.b, v)
}

// bare writes name=value, quoting value only when it cannot be written bare.
func (w *paramWriter) bare(n, v string) {
	w.name(n)
	if isBare(v) {
		w.b.WriteString(v)
	} else {
		quote(&w.b, v)
	}
}

func (w *paramWriter) other(ps []Param) {
	for _, p := range ps {
		if !isToken(p.Name) {
			continue
		}
		if p.Quoted {
			w.quoted(p.Name, p.Value)
		} else {
			w.bare(p.Name, p.Value)
		}
	}
}

func (w *paramWriter) String() string { return w.b.String() }

// dupCheck records known parameter names and reports a repeated one.
type dupCheck map[string]bool

func (d dupCheck) seen(name string) error {
	if d[name] {
		return fmt.Errorf("%w: parameter %q repeated", ErrSyntax, name)
	}
	d[name] = true
	return nil
}
