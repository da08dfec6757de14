package digest

import (
	"fmt"
	"strings"
)

// Challenge is a parsed WWW-Authenticate or Proxy-Authenticate header value.
type Challenge struct {
	// Scheme is the auth scheme as written, normally "Digest".
	Scheme string
	Realm  string
	// Domain is the raw space-separated list of URIs of the domain parameter.
	Domain    string
	Nonce     string
	Opaque    string
	Algorithm string
	// QOP holds the offered qop values ("auth", "auth-int"); nil when the challenge
	// has no qop parameter (RFC 2069 behaviour).
	QOP      []string
	Stale    bool
	Userhash bool
	// Other holds the parameters the package does not interpret, in order.
	Other []Param
}

// ParseChallenge parses the value of a WWW-Authenticate or Proxy-Authenticate
// header holding one challenge, such as `Digest realm="example.com", nonce="abc",
// qop="auth,auth-int", algorithm=MD5`. Parameter names are case-insensitive, values
// may be tokens or quoted-strings with backslash escapes, and unknown parameters
// are kept in Other. Errors wrap ErrSyntax; a repeated known parameter is an error.
func ParseChallenge(v string) (*Challenge, error) {
	var buf [16]Param // a digest header has about ten
	scheme, params, err := parseAuthInto(v, buf[:0])
	if err != nil {
		return nil, fmt.Errorf("digest: parse challenge: %w", err)
	}
	c := &Challenge{Scheme: scheme}
	dup := dupCheck{}
	for _, p := range params {
		key := strings.ToLower(p.Name)
		switch key {
		case "realm", "domain", "nonce", "opaque", "algorithm", "qop", "stale", "userhash":
			if err := dup.seen(key); err != nil {
				return nil, fmt.Errorf("digest: parse challenge: %w", err)
			}
		}
		switch key {
		case "realm":
			c.Realm = p.Value
		case "domain":
			c.Domain = p.Value
		case "nonce":
			c.Nonce = p.Value
		case "opaque":
			c.Opaque = p.Value
		case "algorithm":
			c.Algorithm = p.Value
		case "qop":
			for q := range strings.SplitSeq(p.Value, ",") {
				if q = strings.Trim(q, " \t\r\n"); q != "" {
					c.QOP = append(c.QOP, q)
				}
			}
		case "stale":
			c.Stale = strings.EqualFold(p.Value, "true")
		case "userhash":
			c.Userhash = strings.EqualFold(p.Value, "true")
		default:
			c.Other = append(c.Other, p)
		}
	}
	return c, nil
}

// String formats c as a header value. realm and nonce are always written;
// algorithm, stale and userhash are written as tokens, the other known parameters
// as quoted-strings, and Other parameters as their Quoted field says.
func (c *Challenge) String() string {
	w := newParamWriter(c.Scheme)
	w.quoted("realm", c.Realm)
	if c.Domain != "" {
		w.quoted("domain", c.Domain)
	}
	w.quoted("nonce", c.Nonce)
	if c.Opaque != "" {
		w.quoted("opaque", c.Opaque)
	}
	if c.Stale {
		w.bare("stale", "true")
	}
	if c.Algorithm != "" {
		w.bare("algorithm", c.Algorithm)
	}
	var qops []string
	for _, q := range c.QOP {
		if q = strings.Trim(q, " \t\r\n"); q != "" && !strings.Contains(q, ",") {
			qops = append(qops, q)
		}
	}
	if len(qops) > 0 {
		w.quoted("qop", strings.Join(qops, ","))
	}
	if c.Userhash {
		w.bare("userhash", "true")
	}
	w.other(c.Other)
	return w.String()
}

// Offers reports whether the challenge offers qop value q (case-insensitive).
func (c *Challenge) Offers(q string) bool {
	for _, o := range c.QOP {
		if strings.EqualFold(o, q) {
			return true
		}
	}
	return false
}

// Credentials is a parsed Authorization or Proxy-Authorization header value.
type Credentials struct {
	// Scheme is the auth scheme as written, normally "Digest".
	Scheme string
	// Username is the user name, or the hashed user name when Userhash is set. A
	// username* parameter (RFC 7616 §3.4.4, RFC 8187 encoding) is decoded into it.
	Username  string
	Realm     string
	Nonce     string
	URI       string
	Response  string
	Algorithm string
	CNonce    string
	Opaque    string
	QOP       string
	NC        string
	Userhash  bool
	// Other holds the parameters the package does not interpret, in order.
	Other []Param
}

// ParseCredentials parses the value of an Authorization or Proxy-Authorization
// header such as `Digest username="alice", realm="example.com", nonce="abc",
// uri="sip:example.com", response="..."`. Every parameter may be a token or a
// quoted-string. Errors wrap ErrSyntax; a repeated known parameter, or username
// together with username*, is an error.
func ParseCredentials(v string) (*Credentials, error) {
	var buf [16]Param // a digest header has about ten
	scheme, params, err := parseAuthInto(v, buf[:0])
	if err != nil {
		return nil, fmt.Errorf("digest: parse credentials: %w", err)
	}
	c := &Credentials{Scheme: scheme}
	dup := dupCheck{}
	for _, p := range params {
		key := strings.ToLower(p.Name)
		switch key {
		case "username", "username*", "realm", "nonce", "uri", "response", "algorithm",
			"cnonce", "opaque", "qop", "nc", "userhash":
			name := key
			if name == "username*" {
				name = "username"
			}
			if err := dup.seen(name); err != nil {
				return nil, fmt.Errorf("digest: parse credentials: %w", err)
			}
		}
		switch key {
		case "username":
			c.Username = p.Value
		case "username*":
			u, err := decodeExtValue(p.Value)
			if err != nil {
				return nil, fmt.Errorf("digest: parse credentials: %w", err)
			}
			c.Username = u
		case "realm":
			c.Realm = p.Value
		case "nonce":
			c.Nonce = p.Value
		case "uri":
			c.URI = p.Value
		case "response":
			c.Response = p.Value
		case "algorithm":
			c.Algorithm = p.Value
		case "cnonce":
			c.CNonce = p.Value
		case "opaque":
			c.Opaque = p.Value
		case "qop":
			c.QOP = p.Value
		case "nc":
			c.NC = p.Value
		case "userhash":
			c.Userhash = strings.EqualFold(p.Value, "true")
		default:
			c.Other = append(c.Other, p)
		}
	}
	return c, nil
}

// String formats c as a header value. username, realm, nonce, uri and response are
// always written as quoted-strings, as are cnonce and opaque when set; algorithm,
// qop, nc and userhash are written as tokens (RFC 2617 §3.2.2, RFC 7616 §3.4). A
// username containing control characters is written as username* (RFC 8187).
func (c *Credentials) String() string {
	w := newParamWriter(c.Scheme)
	if needsExtValue(c.Username) {
		w.name("username*")
		w.b.WriteString(encodeExtValue(c.Username))
	} else {
		w.quoted("username", c.Username)
	}
	w.quoted("realm", c.Realm)
	w.quoted("nonce", c.Nonce)
	w.quoted("uri", c.URI)
	w.quoted("response", c.Response)
	if c.Algorithm != "" {
		w.bare("algorithm", c.Algorithm)
	}
	if c.CNonce != "" {
		w.quoted("cnonce", c.CNonce)
	}
	if c.Opaque != "" {
		w.quoted("opaque", c.Opaque)
	}
	if c.QOP != "" {
		w.bare("qop", c.QOP)
	}
	if c.NC != "" {
		w.bare("nc", c.NC)
	}
	if c.Userhash {
		w.bare("userhash", "true")
	}
	w.other(c.Other)
	return w.String()
}

// needsExtValue reports whether s cannot travel in a quoted-string.
func needsExtValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCTL(s[i]) {
			return true
		}
	}
	return false
}

// encodeExtValue encodes s as an RFC 8187 ext-value: charset UTF-8, no language, percent-encoded bytes.
func encodeExtValue(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString("UTF-8''")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// decodeExtValue decodes an RFC 8187 ext-value (charset'language'pct-encoded).
// Only the UTF-8 charset is accepted; the bytes are not otherwise validated.
func decodeExtValue(v string) (string, error) {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return "", fmt.Errorf("%w: username* is not charset'lang'value", ErrSyntax)
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		return "", fmt.Errorf("%w: username* is not charset'lang'value", ErrSyntax)
	}
	if !strings.EqualFold(charset, "UTF-8") {
		return "", fmt.Errorf("%w: username* charset %q is not UTF-8", ErrSyntax, charset)
	}
	var b strings.Builder
	for i := 0; i < len(enc); i++ {
		if enc[i] != '%' {
			b.WriteByte(enc[i])
			continue
		}
		if i+2 >= len(enc) {
			return "", fmt.Errorf("%w: truncated percent escape in username*", ErrSyntax)
		}
		hi, ok1 := unhex(enc[i+1])
		lo, ok2 := unhex(enc[i+2])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("%w: bad percent escape in username*", ErrSyntax)
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
