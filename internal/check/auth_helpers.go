package check

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// Helpers for authenticated requests (items 01, 03, 13, 14): reading
// digest challenges from 401/407 responses and answering them with
// digest.Answer, including deliberately wrong answers.

// authChallenge is a digest challenge and where it came from.
type authChallenge struct {
	*digest.Challenge
	// Proxy is true for a 407 (Proxy-Authenticate → Proxy-Authorization).
	Proxy bool
	// Offered lists the algorithms of every Digest challenge in the response.
	Offered []string
}

// header is the name of the credentials header that answers the challenge.
func (a *authChallenge) header() string {
	if a.Proxy {
		return "Proxy-Authorization"
	}
	return "Authorization"
}

// authAlgRank orders algorithms by strength (RFC 8760 prefers SHA-512-256,
// then SHA-256, over MD5).
func authAlgRank(alg string) int {
	c, err := digest.CanonicalAlgorithm(alg)
	if err != nil {
		return -1
	}
	switch strings.TrimSuffix(c, "-sess") {
	case digest.SHA512_256:
		return 3
	case digest.SHA256:
		return 2
	}
	return 1
}

// authChallengeOf returns the strongest supported Digest challenge of a
// 401/407 response, or nil when there is none.
func authChallengeOf(resp *sip.Message) *authChallenge {
	if resp == nil {
		return nil
	}
	var best *authChallenge
	var offered []string
	for _, h := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
		for _, v := range resp.GetAll(h) {
			ch, err := digest.ParseChallenge(v)
			if err != nil || !strings.EqualFold(ch.Scheme, "Digest") {
				continue
			}
			alg := ch.Algorithm
			if alg == "" {
				alg = digest.MD5
			}
			offered = append(offered, alg)
			if authAlgRank(ch.Algorithm) < 0 {
				continue
			}
			if best == nil || authAlgRank(ch.Algorithm) > authAlgRank(best.Algorithm) {
				best = &authChallenge{Challenge: ch, Proxy: h == "Proxy-Authenticate"}
			}
		}
	}
	if best != nil {
		best.Offered = offered
	}
	return best
}

// authIsChallenge reports whether resp is a 401/407 with a usable challenge.
func authIsChallenge(resp *sip.Message) bool {
	return resp != nil && (resp.StatusCode == 401 || resp.StatusCode == 407) && authChallengeOf(resp) != nil
}

// authCNonce returns a fresh client nonce from env.Rand.
func (e *Env) authCNonce() string {
	b := make([]byte, 8)
	if _, err := io.ReadFull(e.Rand, b); err != nil {
		return sip.NewTag(nil)
	}
	return hex.EncodeToString(b)
}

// authAnswer computes credentials for req answering ch as user/password,
// with nonce count nc (1 when 0).
func (e *Env) authAnswer(ch *authChallenge, req *sip.Message, user, password string, nc uint32) (*digest.Credentials, error) {
	if nc == 0 {
		nc = 1
	}
	cred, err := digest.Answer(ch.Challenge, user, password,
		digest.Request{Method: req.Method, URI: req.RequestURI, Body: req.Body}, e.authCNonce(), nc)
	if err != nil {
		return nil, fmt.Errorf("check: answer digest challenge: %w", err)
	}
	return cred, nil
}

// authRegisterQuery builds a REGISTER without Contact for aor (RFC 3261
// §10.2.3: a query that changes no binding), From and To the AOR.
func (e *Env) authRegisterQuery(c transport.Conn, d *dialog, user string) *sip.Message {
	domain := e.Target.HostPort()
	aor := uriFor(e.Target, user, domain)
	req := e.request(c, d, "REGISTER", uriFor(e.Target, "", domain), user, aor)
	req.Del("Contact")
	return req
}

// authRebuild returns a copy of req with a fresh branch and the dialog's
// next CSeq, as a new request of the same dialog.
func (e *Env) authRebuild(c transport.Conn, d *dialog, req *sip.Message) *sip.Message {
	m := req.Clone()
	m.Set("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=%s;rport", viaTransport(c.Transport()), c.LocalAddr(), sip.NewBranch(e.Rand)))
	m.Set("CSeq", fmt.Sprintf("%d %s", d.cseq, req.Method))
	d.cseq++
	return m
}

// authExchange is the outcome of authDo.
type authExchange struct {
	// Final is the last final response.
	Final *sip.Message
	// Request is the last request sent (with credentials when challenged).
	Request *sip.Message
	// Challenge is the last challenge seen (nil when never challenged).
	Challenge *authChallenge
	// Credentials are the last credentials sent.
	Credentials *digest.Credentials
	// Rounds counts the challenges answered.
	Rounds int
}

// authDo sends req and answers up to three challenges (a new one after
// each stale or one-time nonce) with the test account, each time as a new
// request of dialog d. It returns when a final response is not a challenge.
func (e *Env) authDo(ctx context.Context, c transport.Conn, d *dialog, req *sip.Message, user, password string) (authExchange, error) {
	var x authExchange
	cur := req
	for round := 0; ; round++ {
		res, err := e.transact(ctx, c, cur)
		if err != nil {
			return x, err
		}
		x.Final, x.Request = res.Final, cur
		if !authIsChallenge(res.Final) || round == 3 || user == "" {
			return x, nil
		}
		ch := authChallengeOf(res.Final)
		if x.Credentials != nil && !ch.Stale && round > 0 && res.Final.StatusCode == 401 && x.Challenge != nil && x.Challenge.Nonce == ch.Nonce {
			return x, nil // the same nonce again: the credentials were refused
		}
		x.Challenge = ch
		next := e.authRebuild(c, d, req)
		cred, err := e.authAnswer(ch, next, user, password, 1)
		if err != nil {
			return x, err
		}
		next.Set(ch.header(), cred.String())
		x.Credentials = cred
		x.Rounds++
		cur = next
	}
}

// authTimeout reports whether err is a transaction or context timeout.
func authTimeout(err error) bool {
	return errors.Is(err, transport.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}

// authStatus formats a final response as "401 Unauthorized" ("no answer"
// for nil).
func authStatus(m *sip.Message) string {
	if m == nil {
		return "no answer"
	}
	return fmt.Sprintf("%d %s", m.StatusCode, m.Reason)
}
