package digest

import (
	"errors"
	"fmt"
	"strings"
)

// Hash-file formats exchanged with offline crackers.
const (
	// FormatNameSipdump is the dump format written by sipdump and read by
	// sipcrack: twelve fields separated by '"'.
	FormatNameSipdump = "sipdump"
	// FormatNameHashcat is hashcat's mode 11400 format ($sip$*…).
	FormatNameHashcat = "hashcat11400"
)

// Plain is the algorithm sipdump writes when it saw a password in clear text
// instead of a digest; the hash field then holds the password.
const Plain = "PLAIN"

// MaxHashLine bounds the length of one hash-file line that the parsers accept.
const MaxHashLine = 8192

// ErrHashFormat reports a hash-file line in neither supported format, or a
// value that one format cannot express.
var ErrHashFormat = errors.New("digest: bad hash line")

// HashEntry is one captured digest exchange as a hash file stores it: the
// two addresses, the credentials the client sent and the request method.
// Req.URI is the digest-uri; Req.Body is empty because neither format
// carries the body (BodyHash does, for auth-int).
//
// Server and Client are the first and second address fields, which
// sipcrack lists under those names and hashcat calls URI_SERVER and
// URI_CLIENT. Beware: sipdump 0.2 itself writes the request's source
// address (the client) in the first field and its destination in the
// second; to reproduce its files byte for byte, put the request's source in
// Server.
type HashEntry struct {
	Server, Client string
	Cred           *Credentials
	Req            Request
	// BodyHash is the hex H(entity-body) for qop auth-int entries, a sipvet
	// extension of the sipdump format (a thirteenth field); empty otherwise.
	BodyHash string
}

// sipdumpField reports whether v can be written as a sipdump field.
func sipdumpField(v string) bool {
	return !strings.ContainsAny(v, "\"\r\n\x00")
}

// entryURI returns the digest-uri to write: the credentials' uri, else the
// request's.
func entryURI(cred *Credentials, req Request) string {
	if cred.URI != "" {
		return cred.URI
	}
	return req.URI
}

// FormatSipdump formats one digest exchange as a sipdump line (without the
// newline): server"client"user"realm"method"uri"nonce"cnonce"nc"qop"algorithm"response
// (see HashEntry about the order of the two addresses). An
// absent algorithm is written as MD5, as sipdump does. For qop auth-int the
// hash of req.Body is appended as a thirteenth field, which sipcrack does not
// read (it handles MD5 with qop auth or none only). A value containing '"' or
// a line break gives ErrHashFormat.
func FormatSipdump(server, client string, cred *Credentials, req Request) (string, error) {
	if cred == nil {
		return "", fmt.Errorf("%w: nil credentials", ErrMissing)
	}
	alg := cred.Algorithm
	if alg == "" {
		alg = MD5
	}
	fields := []string{server, client, cred.Username, cred.Realm, req.Method, entryURI(cred, req),
		cred.Nonce, cred.CNonce, cred.NC, cred.QOP, alg, strings.ToLower(cred.Response)}
	if strings.EqualFold(cred.QOP, QOPAuthInt) {
		h, _, err := lookup(cred.Algorithm)
		if err != nil {
			return "", err
		}
		fields = append(fields, hexDigest(h, req.Body))
	}
	for _, f := range fields {
		if !sipdumpField(f) {
			return "", fmt.Errorf("%w: sipdump field %q contains '\"' or a line break", ErrHashFormat, f)
		}
	}
	return strings.Join(fields, `"`), nil
}

// ParseSipdump parses one line of a sipdump file (a trailing CR/LF is
// ignored). It accepts the twelve fields sipdump writes and the thirteenth
// (auth-int body hash) that FormatSipdump adds. The algorithm PLAIN is kept
// as it is, with the clear-text password in Cred.Response.
func ParseSipdump(line string) (*HashEntry, error) {
	line = strings.TrimRight(line, "\r\n")
	if len(line) > MaxHashLine {
		return nil, fmt.Errorf("%w: line longer than %d bytes", ErrHashFormat, MaxHashLine)
	}
	f := strings.Split(line, `"`)
	if len(f) != 12 && len(f) != 13 {
		return nil, fmt.Errorf("%w: sipdump line has %d fields, want 12", ErrHashFormat, len(f))
	}
	for _, v := range f {
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("%w: control character in sipdump field", ErrHashFormat)
		}
	}
	e := &HashEntry{
		Server: f[0], Client: f[1],
		Cred: &Credentials{Scheme: "Digest", Username: f[2], Realm: f[3], URI: f[5], Nonce: f[6], CNonce: f[7],
			NC: f[8], QOP: f[9], Algorithm: f[10], Response: f[11]},
		Req: Request{Method: f[4], URI: f[5]},
	}
	if e.Cred.Algorithm == "" {
		e.Cred.Algorithm = MD5
	}
	if len(f) == 13 {
		if !strings.EqualFold(f[9], QOPAuthInt) {
			return nil, fmt.Errorf("%w: a body hash (13th field) needs qop auth-int, not %q", ErrHashFormat, f[9])
		}
		e.BodyHash = strings.ToLower(f[12])
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// validate checks what every parsed entry needs.
func (e *HashEntry) validate() error {
	c := e.Cred
	if strings.EqualFold(c.Algorithm, Plain) {
		c.Algorithm = Plain
		return nil
	}
	h, sess, err := lookup(c.Algorithm)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHashFormat, err)
	}
	if c.Nonce == "" || e.Req.Method == "" {
		return fmt.Errorf("%w: nonce or method empty", ErrHashFormat)
	}
	size := map[hashKind]int{hashMD5: 32, hashSHA256: 64, hashSHA512_256: 64}[h]
	if len(c.Response) != size || !isHex(c.Response) {
		return fmt.Errorf("%w: response is not %d hex digits", ErrHashFormat, size)
	}
	c.Response = strings.ToLower(c.Response)
	switch {
	case c.QOP == "":
	case strings.EqualFold(c.QOP, QOPAuth):
	case strings.EqualFold(c.QOP, QOPAuthInt):
		if len(e.BodyHash) != size || !isHex(e.BodyHash) {
			return fmt.Errorf("%w: auth-int entry without the body hash field", ErrHashFormat)
		}
	default:
		return fmt.Errorf("%w: %w: %q", ErrHashFormat, ErrQOP, c.QOP)
	}
	if (c.QOP != "" || sess) && c.CNonce == "" {
		return fmt.Errorf("%w: cnonce empty", ErrHashFormat)
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if _, ok := unhex(s[i]); !ok {
			return false
		}
	}
	return true
}

// hashcatPrefix starts every mode 11400 line.
const hashcatPrefix = "$sip$"

// FormatHashcat11400 formats one digest exchange for hashcat mode 11400:
// $sip$*server*client*user*realm*method*uri-prefix*uri-resource*uri-suffix*nonce*cnonce*nc*qop*MD5*response.
// The digest-uri is split at its first two colons (sip:host:port gives
// "sip", "host", "port"). hashcat knows MD5 with qop auth or none only, so
// other algorithms give ErrAlgorithm and auth-int gives ErrQOP; a '*' or a
// line break in a value gives ErrHashFormat.
func FormatHashcat11400(server, client string, cred *Credentials, req Request) (string, error) {
	if cred == nil {
		return "", fmt.Errorf("%w: nil credentials", ErrMissing)
	}
	if h, sess, err := lookup(cred.Algorithm); err != nil || h != hashMD5 || sess {
		return "", fmt.Errorf("%w: hashcat mode 11400 takes MD5 only, not %q", ErrAlgorithm, cred.Algorithm)
	}
	if strings.EqualFold(cred.QOP, QOPAuthInt) {
		return "", fmt.Errorf("%w: hashcat mode 11400 cannot express auth-int", ErrQOP)
	}
	prefix, resource, suffix := splitURI(entryURI(cred, req))
	if resource == "" {
		return "", fmt.Errorf("%w: hashcat needs a digest-uri with a host part", ErrHashFormat)
	}
	fields := []string{hashcatPrefix, server, client, cred.Username, cred.Realm, req.Method, prefix, resource, suffix,
		cred.Nonce, cred.CNonce, cred.NC, cred.QOP, MD5, strings.ToLower(cred.Response)}
	for _, f := range fields {
		if strings.ContainsAny(f, "*\r\n\x00") {
			return "", fmt.Errorf("%w: hashcat field %q contains '*' or a line break", ErrHashFormat, f)
		}
	}
	return strings.Join(fields, "*"), nil
}

// splitURI splits a digest-uri the way hashcat's format stores it.
func splitURI(uri string) (prefix, resource, suffix string) {
	p, rest, ok := strings.Cut(uri, ":")
	if !ok {
		return "", uri, ""
	}
	r, s, _ := strings.Cut(rest, ":")
	return p, r, s
}

// joinURI is the inverse of splitURI, as hashcat rebuilds the uri.
func joinURI(prefix, resource, suffix string) string {
	u := resource
	if prefix != "" {
		u = prefix + ":" + u
	}
	if suffix != "" {
		u += ":" + suffix
	}
	return u
}

// ParseHashcat11400 parses one hashcat mode 11400 line (a trailing CR/LF is
// ignored).
func ParseHashcat11400(line string) (*HashEntry, error) {
	line = strings.TrimRight(line, "\r\n")
	if len(line) > MaxHashLine {
		return nil, fmt.Errorf("%w: line longer than %d bytes", ErrHashFormat, MaxHashLine)
	}
	f := strings.Split(line, "*")
	if len(f) != 15 || f[0] != hashcatPrefix {
		return nil, fmt.Errorf("%w: not a $sip$ line with 15 fields", ErrHashFormat)
	}
	if !strings.EqualFold(f[13], MD5) {
		return nil, fmt.Errorf("%w: directive %q is not MD5", ErrHashFormat, f[13])
	}
	if strings.EqualFold(f[12], QOPAuthInt) {
		return nil, fmt.Errorf("%w: %w: hashcat auth-int entries carry no body hash", ErrHashFormat, ErrQOP)
	}
	for _, v := range f {
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, fmt.Errorf("%w: control character in hashcat field", ErrHashFormat)
		}
	}
	if f[7] == "" {
		return nil, fmt.Errorf("%w: empty uri resource", ErrHashFormat)
	}
	uri := joinURI(f[6], f[7], f[8])
	if p, r, x := splitURI(uri); p != f[6] || r != f[7] || x != f[8] {
		// A ':' inside a field makes the URI ambiguous.
		return nil, fmt.Errorf("%w: uri fields %q, %q, %q do not form one digest-uri", ErrHashFormat, f[6], f[7], f[8])
	}
	e := &HashEntry{
		Server: f[1], Client: f[2],
		Cred: &Credentials{Scheme: "Digest", Username: f[3], Realm: f[4], URI: uri, Nonce: f[9], CNonce: f[10],
			NC: f[11], QOP: f[12], Algorithm: MD5, Response: f[14]},
		Req: Request{Method: f[5], URI: uri},
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// ParseHashLine parses a line in either format, detected by its start
// ("$sip$*" is hashcat's), and returns the entry and the format name.
func ParseHashLine(line string) (*HashEntry, string, error) {
	if strings.HasPrefix(line, hashcatPrefix+"*") {
		e, err := ParseHashcat11400(line)
		return e, FormatNameHashcat, err
	}
	e, err := ParseSipdump(line)
	return e, FormatNameSipdump, err
}

// Verify reports whether password produces the entry's response; for PLAIN
// entries it compares the password with the stored one.
func (e *HashEntry) Verify(password string) (bool, error) {
	if e == nil || e.Cred == nil {
		return false, fmt.Errorf("%w: nil entry", ErrMissing)
	}
	if e.Cred.Algorithm == Plain {
		return e.Cred.Response == password, nil
	}
	h, _, err := lookup(e.Cred.Algorithm)
	if err != nil {
		return false, err
	}
	return e.VerifyHA1(hexSum(h, e.Cred.Username, e.Cred.Realm, password))
}

// HA2 returns the entry's HA2, using BodyHash for auth-int.
func (e *HashEntry) HA2() (string, error) {
	c := e.Cred
	h, _, err := lookup(c.Algorithm)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(c.QOP, QOPAuthInt) {
		if e.BodyHash == "" {
			return HA2(c.Algorithm, c.QOP, e.Req)
		}
		return hexSum(h, e.Req.Method, e.Req.URI, e.BodyHash), nil
	}
	return HA2(c.Algorithm, c.QOP, e.Req)
}

// VerifyHA1 is Verify for a known H(user:realm:password).
func (e *HashEntry) VerifyHA1(ha1 string) (bool, error) {
	c := e.Cred
	ha2, err := e.HA2()
	if err != nil {
		return false, err
	}
	sessHA1, err := SessionHA1(c.Algorithm, ha1, c.Nonce, c.CNonce)
	if err != nil {
		return false, err
	}
	want, err := Compute(c.Algorithm, sessHA1, c.Nonce, c.NC, c.CNonce, c.QOP, ha2)
	if err != nil {
		return false, err
	}
	return want == strings.ToLower(c.Response), nil
}
