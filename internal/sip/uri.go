package sip

import (
	"fmt"
	"strconv"
	"strings"
)

// Param is one ";name=value" parameter. HasValue distinguishes ";lr" from
// ";lr=". Name and Value are kept as on the wire (escapes and quotes
// included).
type Param struct {
	Name, Value string
	HasValue    bool
}

// URI is a parsed SIP, SIPS, tel or other absolute URI (RFC 3261 §19.1,
// RFC 3966, RFC 3986).
//
// For sip and sips every component is kept as on the wire: User,
// Password, parameter and header values keep their %-escapes, so String
// reproduces the input. Host of an IPv6 reference keeps its brackets. Port
// is 0 when absent.
//
// For tel, User holds the telephone-subscriber number and Params its
// parameters. Any other scheme is kept opaque: everything after "scheme:"
// is in Opaque and the other fields are empty.
type URI struct {
	Scheme, User, Password, Host string
	Port                         int
	Params                       []Param
	Headers                      []Param
	// Opaque holds the scheme-specific part of URIs other than sip, sips
	// and tel.
	Opaque string
	// HasPassword reports a ":" after the user even when Password is empty.
	HasPassword bool
}

// ParseURI parses s as a URI. sip, sips and tel URIs are parsed into
// components; other schemes are accepted when the scheme is syntactically
// valid and kept opaque. Errors wrap ErrURI.
func ParseURI(s string) (*URI, error) {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 {
		return nil, fmt.Errorf("sip: URI %q: no scheme: %w", truncate(s, 64), ErrURI)
	}
	u := &URI{Scheme: s[:colon]}
	if !validScheme(u.Scheme) {
		return nil, fmt.Errorf("sip: URI %q: invalid scheme: %w", truncate(s, 64), ErrURI)
	}
	rest := s[colon+1:]
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' {
			return nil, fmt.Errorf("sip: URI %q: invalid character %q: %w", truncate(s, 64), c, ErrURI)
		}
	}
	switch strings.ToLower(u.Scheme) {
	case "sip", "sips":
		if err := u.parseSIP(rest); err != nil {
			return nil, fmt.Errorf("sip: URI %q: %w", truncate(s, 64), err)
		}
	case "tel":
		num, params, _ := strings.Cut(rest, ";")
		if num == "" {
			return nil, fmt.Errorf("sip: URI %q: empty telephone number: %w", truncate(s, 64), ErrURI)
		}
		u.User = num
		if strings.Contains(rest, ";") {
			u.Params = parseParams(params, ';')
		}
	default:
		if rest == "" {
			return nil, fmt.Errorf("sip: URI %q: empty scheme-specific part: %w", truncate(s, 64), ErrURI)
		}
		u.Opaque = rest
	}
	return u, nil
}

func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseSIP parses the part after "sip:" — [userinfo "@"] hostport
// uri-parameters [headers] (RFC 3261 §25.1).
func (u *URI) parseSIP(s string) error {
	// userinfo may contain ';' and '?', but no unescaped '@'; no other
	// component may contain '@', so the first '@' ends the userinfo.
	if at := strings.IndexByte(s, '@'); at >= 0 {
		userinfo := s[:at]
		s = s[at+1:]
		user, pass, hasPass := strings.Cut(userinfo, ":")
		if user == "" {
			return fmt.Errorf("empty user: %w", ErrURI)
		}
		u.User, u.Password, u.HasPassword = user, pass, hasPass
	}
	// hostport ends at ';' or '?'.
	var host string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return fmt.Errorf("unterminated IPv6 reference: %w", ErrURI)
		}
		host, s = s[:end+1], s[end+1:]
		if !validIPv6Ref(host) {
			return fmt.Errorf("invalid IPv6 reference %q: %w", host, ErrURI)
		}
	} else {
		end := strings.IndexAny(s, ":;?")
		if end < 0 {
			end = len(s)
		}
		host, s = s[:end], s[end:]
		if !validHostname(host) {
			return fmt.Errorf("invalid host %q: %w", host, ErrURI)
		}
	}
	u.Host = host
	if strings.HasPrefix(s, ":") {
		end := strings.IndexAny(s, ";?")
		if end < 0 {
			end = len(s)
		}
		p := s[1:end]
		s = s[end:]
		n, err := strconv.Atoi(p)
		if err != nil || !isDigits(p) || n > 65535 {
			return fmt.Errorf("invalid port %q: %w", p, ErrURI)
		}
		u.Port = n
	}
	params, headers, hasHeaders := strings.Cut(s, "?")
	if params != "" {
		if params[0] != ';' {
			return fmt.Errorf("unexpected %q after host: %w", params, ErrURI)
		}
		u.Params = parseParams(params[1:], ';')
		for _, p := range u.Params {
			if p.Name == "" {
				return fmt.Errorf("empty parameter name: %w", ErrURI)
			}
		}
	}
	if hasHeaders {
		u.Headers = parseParams(headers, '&')
		for _, h := range u.Headers {
			if h.Name == "" {
				return fmt.Errorf("empty header name: %w", ErrURI)
			}
		}
	}
	return nil
}

// validHostname accepts hostnames and IPv4 addresses leniently: letters,
// digits, '-', '.', '_' (seen in the wild) and nothing else.
func validHostname(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return true
}

// validIPv6Ref checks "[" IPv6address "]" loosely: hex digits, ':' and '.'
// (embedded IPv4), at least one ':'.
func validIPv6Ref(h string) bool {
	if len(h) < 4 || h[0] != '[' || h[len(h)-1] != ']' {
		return false
	}
	in := h[1 : len(h)-1]
	if !strings.Contains(in, ":") {
		return false
	}
	for i := 0; i < len(in); i++ {
		c := in[i]
		if !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

// parseParams splits s at sep into name[=value] parameters, unquoted.
func parseParams(s string, sep byte) []Param {
	var out []Param
	for _, part := range strings.Split(s, string(sep)) {
		name, value, has := strings.Cut(part, "=")
		out = append(out, Param{Name: name, Value: value, HasValue: has})
	}
	return out
}

// String returns the URI in wire form.
func (u *URI) String() string {
	if u == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(u.Scheme)
	b.WriteByte(':')
	if u.Opaque != "" {
		b.WriteString(u.Opaque)
		return b.String()
	}
	if u.User != "" {
		b.WriteString(u.User)
		if u.HasPassword || u.Password != "" {
			b.WriteByte(':')
			b.WriteString(u.Password)
		}
		if u.Host != "" {
			b.WriteByte('@')
		}
	}
	b.WriteString(u.HostPort())
	writeParams(&b, u.Params, ';', ';')
	if len(u.Headers) > 0 {
		writeParams(&b, u.Headers, '?', '&')
	}
	return b.String()
}

func writeParams(b *strings.Builder, ps []Param, first, sep byte) {
	for i, p := range ps {
		if i == 0 {
			b.WriteByte(first)
		} else {
			b.WriteByte(sep)
		}
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
}

// HostPort returns Host, followed by ":Port" when Port is set.
func (u *URI) HostPort() string {
	if u.Port == 0 {
		return u.Host
	}
	return u.Host + ":" + strconv.Itoa(u.Port)
}

// Param returns the value of the named URI parameter (case-insensitive
// name) and whether it is present.
func (u *URI) Param(name string) (string, bool) { return lookupParam(u.Params, name) }

// Header returns the value of the named URI header (case-insensitive
// name) and whether it is present.
func (u *URI) Header(name string) (string, bool) { return lookupParam(u.Headers, name) }

// IsSIP reports whether the scheme is sip or sips (any case).
func (u *URI) IsSIP() bool {
	return strings.EqualFold(u.Scheme, "sip") || strings.EqualFold(u.Scheme, "sips")
}

// UnescapedUser returns User with %-escapes decoded (RFC 3261 §19.1.2).
// Invalid escapes are kept literally.
func (u *URI) UnescapedUser() string { return Unescape(u.User) }

// Transport returns the lower-cased "transport" parameter, or "".
func (u *URI) Transport() string {
	v, _ := u.Param("transport")
	return strings.ToLower(v)
}

// Unescape decodes %HH escapes; malformed escapes are kept literally.
func Unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func lookupParam(ps []Param, name string) (string, bool) {
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}
