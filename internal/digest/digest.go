// Package digest implements HTTP Digest access authentication as SIP uses it
// (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760): parsing and formatting of
// challenges (WWW-Authenticate, Proxy-Authenticate) and credentials
// (Authorization, Proxy-Authorization), and computing and verifying responses for
// the MD5, SHA-256 and SHA-512-256 algorithms and their -sess variants, with qop
// auth, auth-int or none (RFC 2069 compatibility).
//
// The package is pure: randomness (the client nonce) is supplied by the caller.
// Hash values are lowercase hexadecimal strings.
package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrAlgorithm reports an algorithm the package does not know.
	ErrAlgorithm = errors.New("digest: unsupported algorithm")
	// ErrQOP reports a qop value the package does not know, or a challenge that
	// offers only unknown qop values.
	ErrQOP = errors.New("digest: unsupported qop")
	// ErrSyntax reports a malformed header value.
	ErrSyntax = errors.New("digest: syntax error")
	// ErrMissing reports that a parameter needed for the computation is absent,
	// such as a cnonce when qop is used.
	ErrMissing = errors.New("digest: missing parameter")
)

// Algorithm names as they appear in the algorithm parameter.
const (
	MD5            = "MD5"
	MD5Sess        = "MD5-sess"
	SHA256         = "SHA-256"
	SHA256Sess     = "SHA-256-sess"
	SHA512_256     = "SHA-512-256"
	SHA512_256Sess = "SHA-512-256-sess"
)

// Qop values.
const (
	QOPAuth    = "auth"
	QOPAuthInt = "auth-int"
)

// Algorithms returns the supported algorithm names, weakest first.
func Algorithms() []string {
	return []string{MD5, MD5Sess, SHA256, SHA256Sess, SHA512_256, SHA512_256Sess}
}

// Request is what the response digest covers besides the credentials: the request
// method, the digest-uri and, for qop auth-int, the message body.
type Request struct {
	Method, URI string
	Body        []byte
}

// hashKind identifies the hash function behind an algorithm name.
type hashKind uint8

const (
	hashMD5 hashKind = iota + 1
	hashSHA256
	hashSHA512_256
)

// lookup maps an algorithm name (case-insensitive; "" means MD5) to its hash and
// whether it is a -sess variant.
func lookup(alg string) (hashKind, bool, error) {
	if alg == "" {
		return hashMD5, false, nil
	}
	base, sess := alg, false
	if len(alg) > 5 && strings.EqualFold(alg[len(alg)-5:], "-sess") {
		base, sess = alg[:len(alg)-5], true
	}
	switch {
	case strings.EqualFold(base, MD5):
		return hashMD5, sess, nil
	case strings.EqualFold(base, SHA256):
		return hashSHA256, sess, nil
	case strings.EqualFold(base, SHA512_256):
		return hashSHA512_256, sess, nil
	}
	return 0, false, fmt.Errorf("%w: %q", ErrAlgorithm, alg)
}

// CanonicalAlgorithm returns the spelling of alg used by Algorithms ("" gives
// "MD5"), or an error wrapping ErrAlgorithm.
func CanonicalAlgorithm(alg string) (string, error) {
	h, sess, err := lookup(alg)
	if err != nil {
		return "", err
	}
	name := map[hashKind]string{hashMD5: MD5, hashSHA256: SHA256, hashSHA512_256: SHA512_256}[h]
	if sess {
		name += "-sess"
	}
	return name, nil
}

// hexSum hashes the parts joined by ':' and returns the lowercase hex digest.
func hexSum(h hashKind, parts ...string) string {
	var stack [256]byte
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	buf := stack[:0]
	if n > len(stack) {
		buf = make([]byte, 0, n)
	}
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = append(buf, p...)
	}
	return hexDigest(h, buf)
}

func hexDigest(h hashKind, data []byte) string {
	var out [64]byte
	switch h {
	case hashMD5:
		sum := md5.Sum(data)
		return string(out[:hex.Encode(out[:], sum[:])])
	case hashSHA256:
		sum := sha256.Sum256(data)
		return string(out[:hex.Encode(out[:], sum[:])])
	default:
		sum := sha512.Sum512_256(data)
		return string(out[:hex.Encode(out[:], sum[:])])
	}
}

// HA1 returns H(user:realm:password), or for a -sess algorithm
// H(H(user:realm:password):nonce:cnonce) (RFC 7616 §3.4.2). nonce and cnonce are
// ignored for the other algorithms.
func HA1(alg, user, realm, password, nonce, cnonce string) (string, error) {
	h, sess, err := lookup(alg)
	if err != nil {
		return "", err
	}
	ha1 := hexSum(h, user, realm, password)
	if sess {
		ha1 = hexSum(h, ha1, nonce, cnonce)
	}
	return ha1, nil
}

// SessionHA1 turns a stored H(user:realm:password) into the HA1 the algorithm uses:
// unchanged for plain algorithms, H(ha1:nonce:cnonce) for -sess ones.
func SessionHA1(alg, ha1, nonce, cnonce string) (string, error) {
	h, sess, err := lookup(alg)
	if err != nil {
		return "", err
	}
	if sess {
		return hexSum(h, ha1, nonce, cnonce), nil
	}
	return ha1, nil
}

// UserHash returns H(user:realm), the hashed user name sent when the challenge
// sets userhash=true (RFC 7616 §3.4.4).
func UserHash(alg, user, realm string) (string, error) {
	h, _, err := lookup(alg)
	if err != nil {
		return "", err
	}
	return hexSum(h, user, realm), nil
}

// HA2 returns H(method:uri) for qop "auth" or none, and
// H(method:uri:H(body)) for "auth-int". Other qop values give ErrQOP.
func HA2(alg, qop string, req Request) (string, error) {
	h, _, err := lookup(alg)
	if err != nil {
		return "", err
	}
	switch {
	case qop == "" || strings.EqualFold(qop, QOPAuth):
		return hexSum(h, req.Method, req.URI), nil
	case strings.EqualFold(qop, QOPAuthInt):
		return hexSum(h, req.Method, req.URI, hexDigest(h, req.Body)), nil
	}
	return "", fmt.Errorf("%w: %q", ErrQOP, qop)
}

// Compute returns the response value: H(ha1:nonce:nc:cnonce:qop:ha2) when qop is
// set, and H(ha1:nonce:ha2) when it is empty (RFC 2069). Only the hash function of
// alg matters here; ha1 must already be the session HA1 for -sess algorithms.
func Compute(alg, ha1, nonce, nc, cnonce, qop, ha2 string) (string, error) {
	h, _, err := lookup(alg)
	if err != nil {
		return "", err
	}
	switch {
	case qop == "":
		return hexSum(h, ha1, nonce, ha2), nil
	case strings.EqualFold(qop, QOPAuth), strings.EqualFold(qop, QOPAuthInt):
		return hexSum(h, ha1, nonce, nc, cnonce, qop, ha2), nil
	}
	return "", fmt.Errorf("%w: %q", ErrQOP, qop)
}

// chooseQOP picks "auth" when offered, else "auth-int" when offered, else "" when
// nothing is offered.
func chooseQOP(ch *Challenge) (string, error) {
	switch {
	case len(ch.QOP) == 0:
		return "", nil
	case ch.Offers(QOPAuth):
		return QOPAuth, nil
	case ch.Offers(QOPAuthInt):
		return QOPAuthInt, nil
	}
	return "", fmt.Errorf("%w: challenge offers only %q", ErrQOP, ch.QOP)
}

// Answer builds the credentials that answer ch for user and password. The qop is
// "auth" when offered, "auth-int" when only that is offered, and none when the
// challenge has no qop; the algorithm is the challenge's (absent means MD5, and is
// left absent in the answer). cnonce is the client nonce, required with qop or a
// -sess algorithm; nc is the nonce count, written as 8 hex digits. When the
// challenge sets userhash, the user name is sent hashed. An unknown algorithm gives
// ErrAlgorithm and a challenge offering only unknown qop values gives ErrQOP.
func Answer(ch *Challenge, user, password string, req Request, cnonce string, nc uint32) (*Credentials, error) {
	if ch == nil {
		return nil, fmt.Errorf("%w: nil challenge", ErrMissing)
	}
	_, sess, err := lookup(ch.Algorithm)
	if err != nil {
		return nil, err
	}
	qop, err := chooseQOP(ch)
	if err != nil {
		return nil, err
	}
	if (qop != "" || sess) && cnonce == "" {
		return nil, fmt.Errorf("%w: cnonce is required with qop or a -sess algorithm", ErrMissing)
	}
	cred := &Credentials{
		Scheme:    ch.Scheme,
		Username:  user,
		Realm:     ch.Realm,
		Nonce:     ch.Nonce,
		URI:       req.URI,
		Algorithm: ch.Algorithm,
		Opaque:    ch.Opaque,
		QOP:       qop,
	}
	if cred.Scheme == "" {
		cred.Scheme = "Digest"
	}
	if qop != "" || sess {
		cred.CNonce = cnonce
	}
	if qop != "" {
		cred.NC = fmt.Sprintf("%08x", nc)
	}
	ha1, err := HA1(ch.Algorithm, user, ch.Realm, password, ch.Nonce, cred.CNonce)
	if err != nil {
		return nil, err
	}
	ha2, err := HA2(ch.Algorithm, qop, req)
	if err != nil {
		return nil, err
	}
	cred.Response, err = Compute(ch.Algorithm, ha1, ch.Nonce, cred.NC, cred.CNonce, qop, ha2)
	if err != nil {
		return nil, err
	}
	if ch.Userhash {
		cred.Userhash = true
		if cred.Username, err = UserHash(ch.Algorithm, user, ch.Realm); err != nil {
			return nil, err
		}
	}
	return cred, nil
}

// Verify recomputes the response of cred for password and compares it with
// cred.Response in constant time. The digest covers req.Method, req.Body (for
// auth-int) and req.URI; when req.URI is empty the uri parameter of cred is used
// instead, so set req.URI to the Request-URI to bind the response to it. With
// userhash credentials the real user name is unknown here: use VerifyHA1 with the
// HA1 of the user the hashed name maps to. Malformed credentials (unknown algorithm
// or qop, missing nonce or response) give an error, not false.
func Verify(cred *Credentials, req Request, password string) (bool, error) {
	if cred == nil {
		return false, fmt.Errorf("%w: nil credentials", ErrMissing)
	}
	if cred.Userhash {
		return false, fmt.Errorf("%w: userhash credentials carry no user name; use VerifyHA1", ErrMissing)
	}
	h, _, err := lookup(cred.Algorithm)
	if err != nil {
		return false, err
	}
	return VerifyHA1(cred, req, hexSum(h, cred.Username, cred.Realm, password))
}

// VerifyHA1 is Verify for a server that stores H(user:realm:password) instead of
// the password. For -sess algorithms ha1 is still that stored value; the session
// HA1 is derived from the nonce and cnonce in cred.
func VerifyHA1(cred *Credentials, req Request, ha1 string) (bool, error) {
	if cred == nil {
		return false, fmt.Errorf("%w: nil credentials", ErrMissing)
	}
	if cred.Nonce == "" || cred.Response == "" {
		return false, fmt.Errorf("%w: nonce or response absent", ErrMissing)
	}
	_, sess, err := lookup(cred.Algorithm)
	if err != nil {
		return false, err
	}
	if (cred.QOP != "" || sess) && cred.CNonce == "" {
		return false, fmt.Errorf("%w: cnonce absent", ErrMissing)
	}
	if cred.QOP != "" && cred.NC == "" {
		return false, fmt.Errorf("%w: nc absent", ErrMissing)
	}
	if req.URI == "" {
		req.URI = cred.URI
	}
	sessHA1, err := SessionHA1(cred.Algorithm, strings.ToLower(ha1), cred.Nonce, cred.CNonce)
	if err != nil {
		return false, err
	}
	ha2, err := HA2(cred.Algorithm, cred.QOP, req)
	if err != nil {
		return false, err
	}
	want, err := Compute(cred.Algorithm, sessHA1, cred.Nonce, cred.NC, cred.CNonce, cred.QOP, ha2)
	if err != nil {
		return false, err
	}
	got := strings.ToLower(cred.Response)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1, nil
}
