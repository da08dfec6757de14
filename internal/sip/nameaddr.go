package sip

import (
	"fmt"
	"strings"
)

// NameAddr is a name-addr or addr-spec with header parameters, the value
// of From, To, Contact, Route, Record-Route, Refer-To ... (RFC 3261
// §20.10, §25.1).
type NameAddr struct {
	// DisplayName is the display name, unquoted and unescaped.
	DisplayName string
	// URI is the address.
	URI *URI
	// Params are the header parameters (tag, expires, q ...), values as
	// on the wire (quoted-string values keep their quotes).
	Params []Param
}

// ParseNameAddr parses a name-addr ("Name" <uri>;params, Name <uri>,
// <uri>) or an addr-spec without angle brackets, whose ";params" then
// belong to the header, not the URI (RFC 3261 §20.10). Errors wrap
// ErrNameAddr and, for a bad address, ErrURI.
func ParseNameAddr(s string) (NameAddr, error) {
	var na NameAddr
	s = strings.TrimSpace(s)
	if s == "" {
		return na, fmt.Errorf("sip: empty name-addr: %w", ErrNameAddr)
	}
	var rest string
	switch {
	case s[0] == '"':
		name, after, err := readQuoted(s)
		if err != nil {
			return na, fmt.Errorf("sip: name-addr %q: %w", truncate(s, 64), err)
		}
		na.DisplayName = name
		after = strings.TrimLeft(after, " \t")
		if !strings.HasPrefix(after, "<") {
			return na, fmt.Errorf("sip: name-addr %q: quoted display name without <uri>: %w", truncate(s, 64), ErrNameAddr)
		}
		rest = after
	case strings.IndexByte(s, '<') >= 0:
		lt := strings.IndexByte(s, '<')
		dn := strings.TrimSpace(s[:lt])
		// An unquoted display name is *(token LWS).
		for _, w := range strings.Fields(dn) {
			if !isToken(w) {
				return na, fmt.Errorf("sip: name-addr %q: display name %q is not tokens: %w", truncate(s, 64), dn, ErrNameAddr)
			}
		}
		na.DisplayName = strings.Join(strings.Fields(dn), " ")
		rest = s[lt:]
	default:
		// addr-spec: the URI ends at the first ';' (or whitespace).
		end := strings.IndexAny(s, "; \t")
		if end < 0 {
			end = len(s)
		}
		u, err := ParseURI(s[:end])
		if err != nil {
			return na, fmt.Errorf("sip: addr-spec %q: %w: %w", truncate(s, 64), ErrNameAddr, err)
		}
		if len(u.Headers) > 0 {
			return na, fmt.Errorf("sip: addr-spec %q: URI headers need <...>: %w", truncate(s, 64), ErrNameAddr)
		}
		na.URI = u
		params, err := parseGenericParams(s[end:])
		if err != nil {
			return na, fmt.Errorf("sip: addr-spec %q: %w", truncate(s, 64), err)
		}
		na.Params = params
		return na, nil
	}
	gt := strings.IndexByte(rest, '>')
	if gt < 0 {
		return na, fmt.Errorf("sip: name-addr %q: missing '>': %w", truncate(s, 64), ErrNameAddr)
	}
	u, err := ParseURI(rest[1:gt])
	if err != nil {
		return na, fmt.Errorf("sip: name-addr %q: %w: %w", truncate(s, 64), ErrNameAddr, err)
	}
	na.URI = u
	params, err := parseGenericParams(rest[gt+1:])
	if err != nil {
		return na, fmt.Errorf("sip: name-addr %q: %w", truncate(s, 64), err)
	}
	na.Params = params
	return na, nil
}

// readQuoted reads a quoted-string at the start of s and returns its
// unescaped content and the remainder after the closing quote.
func readQuoted(s string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", "", fmt.Errorf("dangling escape in quoted string: %w", ErrNameAddr)
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated quoted string: %w", ErrNameAddr)
}

// parseGenericParams parses *( SEMI generic-param ), with optional LWS
// around ';' and '=' and quoted-string values (RFC 3261 §25.1). Values
// keep their quotes.
func parseGenericParams(s string) ([]Param, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if s[0] != ';' {
		return nil, fmt.Errorf("unexpected %q, want ';': %w", truncate(s, 32), ErrNameAddr)
	}
	parts, err := splitQuoted(s[1:], ';')
	if err != nil {
		return nil, err
	}
	out := make([]Param, 0, len(parts))
	for _, part := range parts {
		name, value, has := strings.Cut(part, "=")
		p := Param{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value), HasValue: has}
		if !isToken(p.Name) {
			return nil, fmt.Errorf("parameter name %q is not a token: %w", p.Name, ErrNameAddr)
		}
		if has {
			if p.Value == "" {
				return nil, fmt.Errorf("parameter %q has an empty value: %w", p.Name, ErrNameAddr)
			}
			if p.Value[0] != '"' && strings.ContainsAny(p.Value, " \t\"") {
				return nil, fmt.Errorf("parameter %q value %q: %w", p.Name, p.Value, ErrNameAddr)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// splitQuoted splits s at sep outside quoted strings. It fails on an
// unterminated quoted string.
func splitQuoted(s string, sep byte) ([]string, error) {
	var out []string
	inQuote, esc := false, false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inQuote && c == '\\':
			esc = true
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quoted string: %w", ErrNameAddr)
	}
	return append(out, s[start:]), nil
}

// Tag returns the "tag" parameter, or "".
func (n NameAddr) Tag() string {
	v, _ := lookupParam(n.Params, "tag")
	return v
}

// Param returns the named header parameter (case-insensitive) and whether
// it is present.
func (n NameAddr) Param(name string) (string, bool) { return lookupParam(n.Params, name) }

// String returns the value in name-addr form: a quoted display name when
// set, the URI in angle brackets, then the parameters.
func (n NameAddr) String() string {
	var b strings.Builder
	if n.DisplayName != "" {
		b.WriteString(Quote(n.DisplayName))
		b.WriteByte(' ')
	}
	b.WriteByte('<')
	b.WriteString(n.URI.String())
	b.WriteByte('>')
	writeParams(&b, n.Params, ';', ';')
	return b.String()
}

// Quote returns s as a quoted-string, escaping '"' and '\'.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
