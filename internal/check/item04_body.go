package check

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// noIntegrity is ipa04.no-integrity: does the target take signalling over a
// transport without integrity protection (survey item 4: anyone on the
// path can rewrite SDP or other bodies)?
type noIntegrity struct{}

func (noIntegrity) Info() Info {
	return Info{
		ID:       "ipa04.no-integrity",
		Item:     4,
		TitleEN:  "Signalling accepted without integrity protection (no TLS, no S/MIME)",
		TitleJA:  "完全性保護のないシグナリングの受理 (TLS・S/MIME なし)",
		Modes:    []Mode{ModeScan},
		Roles:    []Role{RoleAny},
		Severity: finding.Medium,
	}
}

func (noIntegrity) Run(ctx context.Context, env *Env) (Outcome, error) {
	c, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa04.no-integrity: %w", err)
	}
	defer c.Close()
	var o Outcome
	for _, callee := range bodyCallees(env) {
		req, res, err := noIntegrityInvite(ctx, env, c, env.newDialog(), callee)
		if err != nil {
			return Outcome{}, fmt.Errorf("ipa04.no-integrity: %w", err)
		}
		rang := false
		for _, p := range res.Responses {
			if m := sip.ParseComplete(p.Data); m != nil && m.StatusCode >= 180 && m.StatusCode < 200 {
				rang = true
			}
		}
		o = judgeNoIntegrity(env.Target.Transport, res.Final, rang)
		if cl := env.s2Cleanup(ctx, c, req, res); cl != "" {
			o.Data["cleanup"] = cl
		}
		if o.Data["auth_int"] == true && env.User != "" && env.Password != "" {
			v, err := verifyAuthInt(ctx, env, c, callee)
			if err != nil {
				return Outcome{}, fmt.Errorf("ipa04.no-integrity: %w", err)
			}
			o = judgeAuthInt(o, v)
		}
		if res.Final == nil || (res.Final.StatusCode != 404 && res.Final.StatusCode != 480) {
			break
		}
	}
	return o, nil
}

// noIntegrityInvite sends an INVITE with a minimal SDP offer to callee in
// dialog d.
func noIntegrityInvite(ctx context.Context, env *Env, c transport.Conn, d *dialog, callee string) (*sip.Message, transport.Result, error) {
	ruri := uriFor(env.Target, callee, env.Target.HostPort())
	req := env.request(c, d, "INVITE", ruri, env.User, ruri)
	req.Del("Content-Length")
	req.SetBody("application/sdp", s2SDP(c.LocalAddr()))
	res, err := env.transact(ctx, c, req)
	if err != nil && !s2Timeout(err) {
		return req, res, err
	}
	return req, res, nil
}

// authIntProbe is what verifyAuthInt saw: the answers to an INVITE with a
// correct qop=auth-int digest, to one whose body was changed after its
// auth-int digest was computed, and to one answered with qop=auth whose body
// was changed (what a man in the middle gets by removing auth-int from the
// challenge, which nothing protects).
type authIntProbe struct {
	Correct, Tampered, Downgraded *sip.Message
}

// authIntMode is one verifyAuthInt probe.
type authIntMode int

const (
	authIntCorrect authIntMode = iota
	authIntTampered
	authIntDowngraded
)

// verifyAuthInt checks with the test account that the target enforces the
// auth-int it offers. Each probe takes a fresh challenge in a new dialog
// (one-time nonces stay valid).
func verifyAuthInt(ctx context.Context, env *Env, c transport.Conn, callee string) (authIntProbe, error) {
	var v authIntProbe
	for _, mode := range []authIntMode{authIntCorrect, authIntTampered, authIntDowngraded} {
		d := env.newDialog()
		req, res, err := noIntegrityInvite(ctx, env, c, d, callee)
		if err != nil {
			return v, err
		}
		ch := authChallengeOf(res.Final)
		if ch == nil || !ch.Offers(digest.QOPAuthInt) {
			return v, nil
		}
		qop := digest.QOPAuthInt
		if mode == authIntDowngraded {
			qop = digest.QOPAuth
		}
		next := env.authRebuild(c, d, req)
		cred, err := forgedAnswer(env, ch, next, func(fc *digest.Challenge) { fc.QOP = []string{qop} })
		if err != nil {
			return v, err
		}
		next.Set(ch.header(), cred.String())
		if mode != authIntCorrect {
			// Same offer, another media port: what a man in the middle
			// would write after the client computed its digest.
			next.Del("Content-Length")
			next.SetBody("application/sdp", bytes.Replace(next.Body, []byte("m=audio 9 "), []byte("m=audio 7 "), 1))
		}
		r, err := env.transact(ctx, c, next)
		if err != nil && !s2Timeout(err) {
			return v, err
		}
		env.s2Cleanup(ctx, c, next, r)
		switch mode {
		case authIntCorrect:
			v.Correct = r.Final
		case authIntTampered:
			v.Tampered = r.Final
		default:
			v.Downgraded = r.Final
		}
	}
	return v, nil
}

// judgeAuthInt decides ipa04.no-integrity from the probes of verifyAuthInt:
// a correct auth-int answer must get through, and neither a body rewritten
// under an auth-int digest nor one under a qop=auth digest may. A rewritten
// request counts as accepted when it gets a 1xx/2xx or the same answer as
// the correct one; no answer decides nothing.
func judgeAuthInt(offered Outcome, v authIntProbe) Outcome {
	authRefused := func(m *sip.Message) bool {
		return m.StatusCode == 401 || m.StatusCode == 407 || m.StatusCode == 403
	}
	accepted := func(m *sip.Message) bool {
		return m.StatusCode < 300 || m.StatusCode == v.Correct.StatusCode
	}
	data := offered.Data
	data["auth_int_verified"] = map[string]string{"correct": authStatus(v.Correct), "tampered": authStatus(v.Tampered), "downgraded": authStatus(v.Downgraded)}
	var o Outcome
	switch {
	case v.Correct == nil:
		o = Inconclusive("the INVITE was challenged with qop=auth-int offered, but the test account's auth-int answer got no answer; the offer could not be verified")
	case authRefused(v.Correct):
		o = Inconclusive("the INVITE was challenged with qop=auth-int offered, but the target refused a correctly computed auth-int answer from the test account (%s): it does not check auth-int as RFC 2617 §3.2.2.3 defines it, so no client can use it and body integrity could not be confirmed", authStatus(v.Correct))
	case v.Tampered == nil || v.Downgraded == nil:
		o = Inconclusive("a correct auth-int answer got through (%s), but an INVITE with a rewritten body got no answer, so it is not known whether the target refuses it", authStatus(v.Correct))
	case accepted(v.Tampered):
		o = Vulnerable("the target accepted an INVITE whose body was rewritten after its qop=auth-int digest was computed (%s): it offers auth-int but does not check the body hash, so the SDP can be rewritten in transit", authStatus(v.Tampered))
	case accepted(v.Downgraded):
		o = Vulnerable("the target accepted an INVITE with a rewritten body under a qop=auth digest (%s): a man in the middle removes auth-int from the unprotected challenge and rewrites the SDP; auth-int must be required for requests with a body", authStatus(v.Downgraded))
	default:
		o = Passed("qop=auth-int is required and enforced: a correct auth-int answer got through (%s); a body rewritten under an auth-int digest (%s) and under a qop=auth digest (%s) were refused", authStatus(v.Correct), authStatus(v.Tampered), authStatus(v.Downgraded))
	}
	o.Data = data
	return o
}

// s2SDP is a minimal audio offer toward the discard port of our address.
func s2SDP(local string) []byte {
	ip := s2Host(local)
	fam := "IP4"
	if strings.Contains(ip, ":") {
		fam = "IP6"
	}
	return []byte("v=0\r\no=sipvet 1 1 IN " + fam + " " + ip + "\r\ns=sipvet\r\nc=IN " + fam + " " + ip + "\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
}

// judgeNoIntegrity decides from the transport and the answer to an INVITE
// with an SDP body sent in clear: a session set up without TLS, or guarded
// only by digest authentication that does not cover the body (no
// qop=auth-int), leaves the SDP open to rewriting in transit.
func judgeNoIntegrity(transportName string, final *sip.Message, rang bool) Outcome {
	data := map[string]any{"transport": transportName}
	var o Outcome
	switch {
	case final == nil && !rang:
		o = Inconclusive("no final answer to an INVITE over %s", transportName)
	case transportName == "tls" || transportName == "wss":
		o = Passed("the target answered an INVITE over %s: signalling to it is integrity-protected hop by hop", transportName)
		if final != nil {
			data["status"] = final.StatusCode
		}
	case rang || final.StatusCode >= 200 && final.StatusCode < 300:
		if final != nil {
			data["status"] = final.StatusCode
		}
		o = Vulnerable("the target set up a session from an unauthenticated INVITE over cleartext %s: nothing (no TLS, no S/MIME, no auth-int) protects the SDP from being read and rewritten in transit", strings.ToUpper(transportName))
	case final.StatusCode == 401 || final.StatusCode == 407:
		data["status"] = final.StatusCode
		hdr := "WWW-Authenticate"
		if final.StatusCode == 407 {
			hdr = "Proxy-Authenticate"
		}
		var qops []string
		authInt := false
		for _, v := range final.GetAll(hdr) {
			if ch, err := digest.ParseChallenge(v); err == nil {
				qops = append(qops, ch.QOP...)
				authInt = authInt || ch.Offers(digest.QOPAuthInt)
			}
		}
		data["qop"] = nonNil(qops)
		data["auth_int"] = authInt
		if authInt {
			o = Inconclusive("the INVITE over cleartext %s was challenged with qop=auth-int offered; an offer alone protects nothing (a man in the middle can remove it from the challenge): pass --user/--password to verify that the target requires and checks it", strings.ToUpper(transportName))
		} else {
			o = Vulnerable("the INVITE over cleartext %s was challenged (%d) without qop=auth-int: the digest covers neither the body nor most headers, so a man in the middle can rewrite the SDP of authenticated requests (no TLS, no S/MIME)", strings.ToUpper(transportName), final.StatusCode)
		}
	default:
		data["status"] = final.StatusCode
		o = Inconclusive("the INVITE over %s was refused (%d %s) before any session or challenge; pass --user with an existing account to reach one", transportName, final.StatusCode, final.Reason)
	}
	o.Data = data
	return o
}

// unexpectedBody is ipa04.unexpected-body: does the target accept INVITEs
// whose body it cannot understand (image/jpeg rendered, multipart, unknown
// types) instead of answering 415?
type unexpectedBody struct{}

func (unexpectedBody) Info() Info {
	return Info{
		ID:      "ipa04.unexpected-body",
		Item:    4,
		TitleEN: "INVITE with an unexpected body (image/jpeg render, multipart, unknown type) accepted instead of 415",
		TitleJA: "想定外のボディ (image/jpeg render、multipart、未知の型) を持つ INVITE の 415 以外での受理",
		Modes:   []Mode{ModeScan},
		Roles:   []Role{RoleUA, RoleAny},
	}
}

// bodyVariant is one unexpected body.
type bodyVariant struct {
	name, contentType, disposition string
	body                           []byte
}

// tinyJPEG is a JPEG header and end marker (the survey's example sends a
// photo to render); the content type is what is tested, not the picture.
func tinyJPEG() []byte {
	return []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9}
}

func bodyVariants() []bodyVariant {
	jpeg := tinyJPEG()
	mp := "--sipvetB\r\nContent-Type: text/plain\r\n\r\nsipvet multipart probe\r\n--sipvetB\r\nContent-Type: image/jpeg\r\nContent-Disposition: render\r\n\r\n" + string(jpeg) + "\r\n--sipvetB--\r\n"
	return []bodyVariant{
		{name: "image/jpeg render", contentType: "image/jpeg", disposition: "render", body: jpeg},
		{name: "multipart/mixed", contentType: "multipart/mixed;boundary=sipvetB", body: []byte(mp)},
		{name: "unknown type", contentType: "application/x-sipvet-unknown", disposition: "session", body: []byte("sipvet probe body\r\n")},
	}
}

func (unexpectedBody) Run(ctx context.Context, env *Env) (Outcome, error) {
	var answers []bodyAnswer
	for _, v := range bodyVariants() {
		a, err := sendBodyInvite(ctx, env, v)
		if err != nil {
			return Outcome{}, fmt.Errorf("ipa04.unexpected-body: %w", err)
		}
		answers = append(answers, a)
	}
	return judgeUnexpectedBody(answers), nil
}

// bodyAnswer is what one unexpected body got.
type bodyAnswer struct {
	Variant string `json:"variant"`
	// Status is the final status, or the highest provisional ≥ 180 when the
	// call rang without a final answer, or 0 for silence.
	Status  int    `json:"status"`
	Reason  string `json:"reason"`
	Cleanup string `json:"cleanup,omitempty"`
}

func sendBodyInvite(ctx context.Context, env *Env, v bodyVariant) (bodyAnswer, error) {
	a := bodyAnswer{Variant: v.name}
	c, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return a, err
	}
	defer c.Close()
	for _, callee := range bodyCallees(env) {
		a, err = sendBodyInviteTo(ctx, env, c, v, callee)
		if err != nil || (a.Status != 404 && a.Status != 480) {
			break
		}
	}
	return a, err
}

// bodyCallees lists whom the body INVITEs call: the test account (which
// routes on a PBX), then the target itself (which a UA or an element that
// answers calls to its own address takes) when the account is not
// reachable (404/480).
func bodyCallees(env *Env) []string {
	if env.User == "" {
		return []string{""}
	}
	return []string{env.User, ""}
}

func sendBodyInviteTo(ctx context.Context, env *Env, c transport.Conn, v bodyVariant, callee string) (bodyAnswer, error) {
	a := bodyAnswer{Variant: v.name}
	d := env.newDialog()
	ruri := uriFor(env.Target, callee, env.Target.HostPort())
	req := env.request(c, d, "INVITE", ruri, env.User, ruri)
	if v.disposition != "" {
		req.Set("Content-Disposition", v.disposition)
	}
	req.Del("Content-Length")
	req.SetBody(v.contentType, v.body)
	res, err := env.transact(ctx, c, req)
	if err != nil && !s2Timeout(err) {
		return a, err
	}
	if res.Final != nil && (res.Final.StatusCode == 401 || res.Final.StatusCode == 407) {
		if next := env.s2Authorize(req, res.Final); next != nil {
			req = next
			if res, err = env.transact(ctx, c, req); err != nil && !s2Timeout(err) {
				return a, err
			}
		}
	}
	if res.Final != nil {
		a.Status, a.Reason = res.Final.StatusCode, res.Final.Reason
	} else {
		for _, p := range res.Responses {
			if m := sip.ParseComplete(p.Data); m != nil && m.StatusCode >= 180 && m.StatusCode > a.Status {
				a.Status, a.Reason = m.StatusCode, m.Reason
			}
		}
	}
	a.Cleanup = env.s2Cleanup(ctx, c, req, res)
	return a, nil
}

// judgeUnexpectedBody: an unexpected body that gets 2xx (or rings) is
// accepted; 415 (or 488/606) is the right refusal; 401/407 means the body
// was never looked at.
func judgeUnexpectedBody(answers []bodyAnswer) Outcome {
	var accepted, refused, unclear []string
	for _, a := range answers {
		s := fmt.Sprintf("%s → %d %s", a.Variant, a.Status, a.Reason)
		switch {
		case a.Status >= 180 && a.Status < 300:
			accepted = append(accepted, s)
		case a.Status == 415 || a.Status == 488 || a.Status == 606:
			refused = append(refused, s)
		default:
			unclear = append(unclear, s)
		}
	}
	var o Outcome
	switch {
	case len(accepted) > 0:
		o = Vulnerable("the target accepted INVITEs whose body it should refuse with 415: %s", strings.Join(accepted, "; "))
	case len(unclear) == 0:
		o = Passed("the target refused every unexpected body: %s", strings.Join(refused, "; "))
	case len(refused) > 0:
		o = Passed("the target refused unexpected bodies (%s); other answers: %s", strings.Join(refused, "; "), strings.Join(unclear, "; "))
	default:
		o = Inconclusive("no INVITE reached body processing (%s): the target challenged, rejected or ignored them for other reasons; pass --user/--password or target a user agent", strings.Join(unclear, "; "))
	}
	o.Data = map[string]any{"answers": answers}
	return o
}
