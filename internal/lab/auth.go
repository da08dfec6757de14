package lab

import (
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/sip"
)

// Nonce bounds: how long an issued nonce is fresh, how long it is
// remembered at all, and how many are remembered.
const (
	nonceLifetime = 30 * time.Second
	nonceMemory   = 5 * time.Minute
	maxNonces     = 1024
)

// nonceState is what the lab remembers about a nonce it issued.
type nonceState struct {
	issued time.Time
	lastNC uint64
	used   bool
}

// nonceTable is a bounded FIFO of issued nonces. The caller holds Lab.mu.
type nonceTable struct {
	m     map[string]*nonceState
	order []string
}

func newNonceTable() *nonceTable { return &nonceTable{m: map[string]*nonceState{}} }

// issue remembers a new nonce, evicting the oldest when full or forgotten.
func (t *nonceTable) issue(nonce string, now time.Time) {
	for len(t.order) > 0 {
		old := t.order[0]
		st := t.m[old]
		if len(t.order) < maxNonces && st != nil && now.Sub(st.issued) < nonceMemory {
			break
		}
		delete(t.m, old)
		t.order = t.order[1:]
	}
	t.m[nonce] = &nonceState{issued: now}
	t.order = append(t.order, nonce)
}

func (t *nonceTable) get(nonce string) *nonceState { return t.m[nonce] }

// newNonce returns 128 random bits in hex.
func newNonce(r io.Reader) string {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		// A broken Rand still must not give a predictable nonce silently;
		// fall back to the tag generator (crypto/rand on nil).
		return sip.NewTag(nil) + sip.NewTag(nil)
	}
	return hex.EncodeToString(b)
}

// authDecision is the outcome of authenticate: either a user or a response
// to send instead of serving the request.
type authDecision struct {
	user string
	deny *sip.Message
}

// challenge builds a 401 with a fresh nonce. l.mu is held.
func (l *Lab) challenge(req *sip.Message, stale bool) *sip.Message {
	nonce := l.authNonce()
	l.nonces.issue(nonce, l.now())
	ch := digest.Challenge{Scheme: "Digest", Realm: l.realm, Nonce: nonce, Algorithm: digest.MD5,
		QOP: []string{digest.QOPAuth}, Stale: stale}
	if !l.on(FlagNoIntegrity) {
		ch.QOP = append(ch.QOP, digest.QOPAuthInt)
		if len(req.Body) > 0 {
			// A body is only protected when auth-int is required.
			ch.QOP = []string{digest.QOPAuthInt}
		}
	}
	resp := sip.NewResponse(req, 401, "Unauthorized")
	resp.Add("WWW-Authenticate", ch.String())
	l.addStrongChallenge(resp, ch)
	return resp
}

// authenticate checks the Authorization (or Proxy-Authorization) of a
// request. With no credentials it challenges. The flags 14.* relax the
// individual checks. l.mu is held.
func (l *Lab) authenticate(in *inbound) authDecision {
	req := in.msg
	if deny := l.guessLocked(in); deny != nil {
		return authDecision{deny: deny}
	}
	hdr := req.Get("Authorization")
	if hdr == "" {
		hdr = req.Get("Proxy-Authorization")
	}
	if hdr == "" {
		return authDecision{deny: l.challenge(req, false)}
	}
	cred, err := digest.ParseCredentials(hdr)
	if err != nil {
		return authDecision{deny: sip.NewResponse(req, 400, "Malformed Authorization")}
	}
	if !strings.EqualFold(cred.Scheme, "Digest") || (cred.Realm != l.realm && !l.foreignRealmOK(cred, req)) {
		return authDecision{deny: l.challenge(req, false)}
	}
	password, known := l.users[cred.Username]
	if !known || cred.Userhash {
		return authDecision{deny: sip.NewResponse(req, 403, "Forbidden")}
	}
	st := l.nonces.get(cred.Nonce)
	if !l.on(FlagForeignNonce) {
		if st == nil {
			return authDecision{deny: l.challenge(req, false)}
		}
		if l.now().Sub(st.issued) > nonceLifetime {
			return authDecision{deny: l.challenge(req, true)}
		}
	}
	if !l.on(FlagURIMismatch) && cred.URI != req.RequestURI {
		return authDecision{deny: sip.NewResponse(req, 400, "Authorization URI Mismatch")}
	}
	ok, err := digest.Verify(cred, digest.Request{Method: req.Method, URI: cred.URI, Body: req.Body}, password)
	if err != nil {
		return authDecision{deny: sip.NewResponse(req, 400, "Bad Credentials")}
	}
	if !ok {
		l.guessFailed(in, cred.Username)
		return authDecision{deny: sip.NewResponse(req, 403, "Forbidden")}
	}
	if cred.QOP == "" && !l.on(FlagQopDowngrade) {
		return authDecision{deny: l.challenge(req, false)}
	}
	if len(req.Body) > 0 && !l.on(FlagNoIntegrity) && !strings.EqualFold(cred.QOP, digest.QOPAuthInt) {
		return authDecision{deny: l.challenge(req, false)}
	}
	if !l.on(FlagUserMismatch) && cred.Username != claimedUser(req) {
		return authDecision{deny: sip.NewResponse(req, 403, "Username Mismatch")}
	}
	if st != nil && !l.on(FlagNCReplay) {
		if cred.QOP != "" {
			nc, err := strconv.ParseUint(cred.NC, 16, 64)
			if err != nil || len(cred.NC) != 8 {
				return authDecision{deny: sip.NewResponse(req, 400, "Bad Nonce Count")}
			}
			if nc <= st.lastNC {
				return authDecision{deny: l.challenge(req, false)}
			}
			st.lastNC = nc
		} else {
			if st.used {
				return authDecision{deny: l.challenge(req, false)}
			}
			st.used = true
		}
	}
	return authDecision{user: cred.Username}
}

// claimedUser is the identity a request claims: the To user for REGISTER
// (the AOR being bound), else the From user.
func claimedUser(req *sip.Message) string {
	get := req.From
	if req.Method == "REGISTER" {
		get = req.To
	}
	na, err := get()
	if err != nil || na.URI == nil {
		return ""
	}
	return na.URI.UnescapedUser()
}
