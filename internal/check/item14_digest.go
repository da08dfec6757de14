package check

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// Item 14 (weak digest implementation): each check starts from a fresh
// challenge to a REGISTER query (no Contact, so no binding changes) for the
// test account, then sends one request whose credentials are wrong in one
// respect. A 2xx to that request is the finding.

// digestCheck is one ipa14 check: its metadata and its probe.
type digestCheck struct {
	info  Info
	probe func(ctx context.Context, env *Env, c transport.Conn) (Outcome, error)
}

func (d digestCheck) Info() Info { return d.info }

func (d digestCheck) Run(ctx context.Context, env *Env) (Outcome, error) {
	c, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", d.info.ID, err)
	}
	defer c.Close()
	o, err := d.probe(ctx, env, c)
	if err != nil && authTimeout(err) && ctx.Err() == nil {
		return Inconclusive("no final response: %v", err), nil
	}
	return o, err
}

func digestInfo(id, en, ja string) Info {
	return Info{ID: id, Item: 14, TitleEN: en, TitleJA: ja, Modes: []Mode{ModeScan},
		Roles: []Role{RoleRegistrar, RoleProxy}, NeedsCredentials: true}
}

// digestChecks returns the ipa14 checks in registry order.
func digestChecks() []Check {
	md5 := digestInfo("ipa14.md5-only", "Only MD5 digest offered (informational)", "MD5 のダイジェストのみの提供 (情報)")
	md5.Severity = finding.Info
	unch := digestInfo("ipa14.unchallenged-methods", "INVITE to an outside number, MESSAGE, SUBSCRIBE or REFER served without a challenge", "外線宛 INVITE・MESSAGE・SUBSCRIBE・REFER の認証なしでの処理")
	return []Check{
		digestCheck{digestInfo("ipa14.foreign-nonce", "Nonce the server never issued accepted", "サーバが発行していない nonce の受理"), probeForeignNonce},
		digestCheck{digestInfo("ipa14.nc-replay", "Replayed nonce, nc and cnonce accepted in a new request", "同じ nonce・nc・cnonce の再送の受理"), probeNCReplay},
		digestCheck{digestInfo("ipa14.nc-nonmonotonic", "Nonce count that does not increase accepted", "増加しない nonce count の受理"), probeNCNonmonotonic},
		digestCheck{digestInfo("ipa14.replay-other-dialog", "Authorization copied into another Call-ID/From-tag accepted", "別の Call-ID・From タグへ複写した Authorization の受理"), probeReplayOtherDialog},
		digestCheck{digestInfo("ipa14.username-mismatch", "Authorization username different from the From/To user accepted", "From/To と異なるユーザ名の Authorization の受理"), probeUsernameMismatch},
		digestCheck{digestInfo("ipa14.uri-mismatch", "Authorization uri different from the Request-URI accepted", "Request-URI と異なる uri の Authorization の受理"), probeURIMismatch},
		digestCheck{digestInfo("ipa14.realm-mismatch", "Credentials for another realm accepted", "別の realm の認証情報の受理"), probeRealmMismatch},
		digestCheck{unch, probeUnchallenged},
		digestCheck{digestInfo("ipa14.qop-downgrade", "Answer without qop accepted although qop was offered", "qop を提示したのに qop なしの応答を受理"), probeQopDowngrade},
		digestCheck{md5, probeMD5Only},
	}
}

// digestFresh sends an unauthenticated REGISTER query for user in a new
// dialog and returns the request and the challenge.
func digestFresh(ctx context.Context, env *Env, c transport.Conn, user string) (*dialog, *sip.Message, *sip.Message, *authChallenge, error) {
	d := env.newDialog()
	req := env.authRegisterQuery(c, d, user)
	res, err := env.transact(ctx, c, req)
	if err != nil {
		return d, req, nil, nil, err
	}
	return d, req, res.Final, authChallengeOf(res.Final), nil
}

// digestSend answers ch for req (rebuilt as the dialog's next request) with
// the credentials that mutate returns, and sends it.
func digestSend(ctx context.Context, env *Env, c transport.Conn, d *dialog, base *sip.Message, ch *authChallenge,
	mutate func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error)) (*sip.Message, *sip.Message, error) {
	req := env.authRebuild(c, d, base)
	cred, err := mutate(req, ch)
	if err != nil {
		return req, nil, err
	}
	req.Set(ch.header(), cred.String())
	res, err := env.transact(ctx, c, req)
	if err != nil {
		return req, nil, err
	}
	return req, res.Final, nil
}

// digestNoChallenge is the outcome when the target never challenged.
func digestNoChallenge(resp *sip.Message) Outcome {
	if resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return NotApplicable("the target served the REGISTER query without authentication (%s); see ipa01.register-noauth", authStatus(resp))
	}
	return Inconclusive("the target did not challenge the REGISTER query (%s)", authStatus(resp))
}

// digestBaseline answers ch correctly and requires a 2xx.
func digestBaseline(ctx context.Context, env *Env, c transport.Conn, d *dialog, base *sip.Message, ch *authChallenge, nc uint32) (*sip.Message, *Outcome, error) {
	req, resp, err := digestSend(ctx, env, c, d, base, ch, func(r *sip.Message, ch *authChallenge) (*digest.Credentials, error) {
		return env.authAnswer(ch, r, env.User, env.Password, nc)
	})
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		o := Inconclusive("a correct answer to the challenge was refused (%s); check --user/--password", authStatus(resp))
		return nil, &o, nil
	}
	return req, nil, nil
}

// digestMessages are the findings of judgeDigestAbuse per check id.
func digestMessages() map[string]string {
	return map[string]string{
		"ipa14.foreign-nonce":       "credentials built on a nonce the server never issued were accepted: an attacker with the password (or a cracked hash) needs no challenge, and nonces protect nothing",
		"ipa14.nc-replay":           "a captured request's Authorization (same nonce, nc and cnonce) was accepted again in a new request: the server does not track nonce use, so sniffed credentials can be replayed",
		"ipa14.nc-nonmonotonic":     "a nonce count lower than one already used with the same nonce was accepted: nc is not checked for replays",
		"ipa14.replay-other-dialog": "an Authorization copied into a request with another Call-ID and From-tag was accepted: credentials are not bound to the request they were made for",
		"ipa14.username-mismatch":   "credentials of the test account were accepted for another user's AOR: one account can act as (and register for) another user",
		"ipa14.uri-mismatch":        "credentials whose uri differs from the Request-URI were accepted: an Authorization made for one target can be used for another",
		"ipa14.realm-mismatch":      "credentials for a realm the server did not offer were accepted: the server trusts the client's realm",
		"ipa14.qop-downgrade":       "an answer without qop (RFC 2069 style, no cnonce or nc) was accepted although qop=auth was offered: the replay protection of qop can be stripped",
	}
}

// judgeDigestAbuse decides from the final response to a request whose
// credentials are wrong in the way check id tests.
func judgeDigestAbuse(id string, resp *sip.Message) Outcome {
	msg := digestMessages()[id]
	o := Outcome{}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		o = Vulnerable("%s (%s)", msg, authStatus(resp))
	case code == 401 || code == 407:
		o = Passed("the server challenged again (%s)", authStatus(resp))
	case code == 400 || code == 403:
		o = Passed("the server refused the request (%s)", authStatus(resp))
	case (code == 404 || code == 604) && id == "ipa14.username-mismatch":
		o = Inconclusive("the registrar refuses the other AOR before authenticating (%s); pass --other-user with a second existing account", authStatus(resp))
	case code == 404 || code == 604 || code == 480:
		o = Inconclusive("the request was authenticated far enough to be routed (%s), but the answer does not show whether the credentials were accepted", authStatus(resp))
	default:
		o = Inconclusive("unexpected answer %s", authStatus(resp))
	}
	o.Data = map[string]any{"status": resp.StatusCode}
	return o
}

// digestAbuse is the shape of most item 14 probes: a fresh challenge for
// the test account, then one request whose credentials answer builds, and
// the judgement of the reply as check id. before, when set, runs once the
// challenge is known and may end the probe (no qop to abuse, a baseline
// request refused). The challenge is returned for the probe's data.
func digestAbuse(ctx context.Context, env *Env, c transport.Conn, id string,
	before func(d *dialog, base *sip.Message, ch *authChallenge) (*Outcome, error),
	answer func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error)) (Outcome, *authChallenge, error) {
	d, base, resp, ch, err := digestFresh(ctx, env, c, env.User)
	if err != nil || ch == nil {
		return digestNoChallenge(resp), nil, err
	}
	if before != nil {
		if stop, err := before(d, base, ch); err != nil || stop != nil {
			return deref(stop), nil, err
		}
	}
	_, r, err := digestSend(ctx, env, c, d, base, ch, answer)
	if err != nil {
		return Outcome{}, nil, err
	}
	return judgeDigestAbuse(id, r), ch, nil
}

// digestReplay answers a fresh challenge correctly (nc 1), then sends the
// accepted Authorization again in the request carrier builds, and judges
// the reply as check id.
func digestReplay(ctx context.Context, env *Env, c transport.Conn, id string,
	carrier func(d *dialog, base *sip.Message) *sip.Message) (Outcome, *authChallenge, error) {
	d, base, resp, ch, err := digestFresh(ctx, env, c, env.User)
	if err != nil || ch == nil {
		return digestNoChallenge(resp), nil, err
	}
	first, bad, err := digestBaseline(ctx, env, c, d, base, ch, 1)
	if err != nil || bad != nil {
		return deref(bad), nil, err
	}
	again := carrier(d, base)
	again.Set(ch.header(), first.Get(ch.header()))
	res, err := env.transact(ctx, c, again)
	if err != nil {
		return Outcome{}, nil, err
	}
	return judgeDigestAbuse(id, res.Final), ch, nil
}

// forgedAnswer answers a copy of ch changed by edit, with the test
// account's credentials.
func forgedAnswer(env *Env, ch *authChallenge, req *sip.Message, edit func(*digest.Challenge)) (*digest.Credentials, error) {
	fake := *ch.Challenge
	edit(&fake)
	return env.authAnswer(&authChallenge{Challenge: &fake, Proxy: ch.Proxy}, req, env.User, env.Password, 1)
}

func probeForeignNonce(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	var forged string
	o, ch, err := digestAbuse(ctx, env, c, "ipa14.foreign-nonce", nil, func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error) {
		forged = env.authCNonce() + env.authCNonce() + env.authCNonce() + env.authCNonce()
		if len(ch.Nonce) > 0 && len(ch.Nonce) < len(forged) {
			forged = forged[:len(ch.Nonce)]
		}
		return forgedAnswer(env, ch, req, func(f *digest.Challenge) { f.Nonce = forged })
	})
	if ch != nil {
		o.Data["forged_nonce"] = forged
	}
	return o, err
}

func probeNCReplay(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	o, ch, err := digestReplay(ctx, env, c, "ipa14.nc-replay", func(d *dialog, base *sip.Message) *sip.Message {
		return env.authRebuild(c, d, base)
	})
	if ch != nil {
		o.Data["qop"] = len(ch.QOP) > 0
	}
	return o, err
}

func probeNCNonmonotonic(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	o, ch, err := digestAbuse(ctx, env, c, "ipa14.nc-nonmonotonic", func(d *dialog, base *sip.Message, ch *authChallenge) (*Outcome, error) {
		if len(ch.QOP) == 0 {
			na := NotApplicable("the challenge offers no qop, so there is no nonce count (nonce reuse is tested by ipa14.nc-replay)")
			return &na, nil
		}
		_, bad, err := digestBaseline(ctx, env, c, d, base, ch, 2)
		return bad, err
	}, func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error) {
		return env.authAnswer(ch, req, env.User, env.Password, 1)
	})
	if ch != nil {
		o.Data["nc_sequence"] = "00000002 then 00000001"
	}
	return o, err
}

func probeReplayOtherDialog(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	var ids []string
	o, ch, err := digestReplay(ctx, env, c, "ipa14.replay-other-dialog", func(d *dialog, _ *sip.Message) *sip.Message {
		other := env.newDialog()
		ids = []string{d.callID, other.callID}
		return env.authRegisterQuery(c, other, env.User)
	})
	if ch != nil {
		o.Data["call_ids"] = ids
	}
	return o, err
}

func probeUsernameMismatch(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	other := env.OtherUser
	if other == "" || other == env.User {
		other = "sipvet" + sip.NewTag(env.Rand)[:8]
	}
	d, base, resp, ch, err := digestFresh(ctx, env, c, other)
	if err != nil {
		return Outcome{}, err
	}
	if ch == nil {
		if resp.StatusCode == 404 || resp.StatusCode == 604 {
			o := judgeDigestAbuse("ipa14.username-mismatch", resp)
			o.Data["other_user"] = other
			return o, nil
		}
		return digestNoChallenge(resp), nil
	}
	_, r, err := digestSend(ctx, env, c, d, base, ch, func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error) {
		return env.authAnswer(ch, req, env.User, env.Password, 1)
	})
	if err != nil {
		return Outcome{}, err
	}
	o := judgeDigestAbuse("ipa14.username-mismatch", r)
	o.Data["other_user"] = other
	o.Data["auth_user"] = env.User
	return o, nil
}

func probeURIMismatch(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	otherURI := uriFor(env.Target, "", "sipvet-other.invalid")
	o, ch, err := digestAbuse(ctx, env, c, "ipa14.uri-mismatch", nil, func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error) {
		fake := req.Clone()
		fake.RequestURI = otherURI
		return env.authAnswer(ch, fake, env.User, env.Password, 1)
	})
	if ch != nil {
		o.Data["digest_uri"] = otherURI
	}
	return o, err
}

func probeRealmMismatch(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	const realm = "sipvet-other.invalid"
	o, ch, err := digestAbuse(ctx, env, c, "ipa14.realm-mismatch", nil, func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error) {
		return forgedAnswer(env, ch, req, func(f *digest.Challenge) { f.Realm = realm })
	})
	if ch != nil {
		o.Data["offered_realm"] = ch.Realm
		o.Data["sent_realm"] = realm
	}
	return o, err
}

func probeQopDowngrade(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	o, ch, err := digestAbuse(ctx, env, c, "ipa14.qop-downgrade", func(_ *dialog, _ *sip.Message, ch *authChallenge) (*Outcome, error) {
		if len(ch.QOP) == 0 {
			na := NotApplicable("the challenge offers no qop: every answer is RFC 2069 style")
			return &na, nil
		}
		return nil, nil
	}, func(req *sip.Message, ch *authChallenge) (*digest.Credentials, error) {
		return forgedAnswer(env, ch, req, func(f *digest.Challenge) { f.QOP = nil })
	})
	if ch != nil {
		o.Data["offered_qop"] = ch.QOP
	}
	return o, err
}

func probeMD5Only(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	_, _, resp, ch, err := digestFresh(ctx, env, c, env.User)
	if err != nil {
		return Outcome{}, err
	}
	if ch == nil {
		return digestNoChallenge(resp), nil
	}
	return judgeMD5Only(resp), nil
}

// judgeMD5Only decides from a challenge response whether only MD5 is
// offered (RFC 8760 recommends SHA-256 and SHA-512/256).
func judgeMD5Only(resp *sip.Message) Outcome {
	ch := authChallengeOf(resp)
	if ch == nil {
		return Inconclusive("no digest challenge in %s", authStatus(resp))
	}
	strong := false
	for _, a := range ch.Offered {
		if authAlgRank(a) > 1 {
			strong = true
		}
	}
	var o Outcome
	if strong {
		o = Passed("the server offers %s", strings.Join(ch.Offered, ", "))
	} else {
		o = Vulnerable("informational: the server offers only %s digests; RFC 8760 adds SHA-256 and SHA-512/256, which make captured answers slower to crack", strings.Join(ch.Offered, ", "))
		o.Severity = finding.Info
	}
	o.Data = map[string]any{"algorithms": ch.Offered}
	return o
}

func deref(o *Outcome) Outcome {
	if o == nil {
		return Outcome{}
	}
	return *o
}

// unchallengedOutside is the Request-URI user of the "outside number"
// INVITE: an international number that is not allocated.
const unchallengedOutside = "0081000000000"

func probeUnchallenged(ctx context.Context, env *Env, c transport.Conn) (Outcome, error) {
	domain := env.Target.HostPort()
	aor := uriFor(env.Target, env.User, domain)
	answers := map[string]*sip.Message{}
	// INVITE to an outside number, cancelled as soon as it makes progress.
	outside := uriFor(env.Target, unchallengedOutside, domain)
	d := env.newDialog()
	inv := env.request(c, d, "INVITE", outside, env.User, outside)
	final, err := env.unchallengedInvite(ctx, c, inv)
	if err != nil && !authTimeout(err) {
		return Outcome{}, err
	}
	answers["INVITE"] = final
	for _, method := range []string{"MESSAGE", "SUBSCRIBE", "REFER"} {
		d := env.newDialog()
		req := env.request(c, d, method, aor, "sipvet", aor)
		switch method {
		case "MESSAGE":
			req.SetBody("text/plain", []byte("sipvet authorised test message (ipa14.unchallenged-methods)"))
		case "SUBSCRIBE":
			req.Set("Event", "presence")
			req.Set("Accept", "application/pidf+xml")
			req.Set("Expires", "0") // a fetch: no subscription remains
		case "REFER":
			req.Set("Refer-To", "<sip:sipvet-refer-target.invalid>")
		}
		res, err := env.transact(ctx, c, req)
		if err != nil {
			if !authTimeout(err) {
				return Outcome{}, err
			}
			answers[method] = nil
			continue
		}
		answers[method] = res.Final
	}
	return judgeUnchallenged(answers), nil
}

// unchallengedInvite sends an INVITE without credentials and ends it at
// once: CANCEL on the first provisional response above 100, ACK for a
// non-2xx final, ACK and BYE for a 2xx. It returns the final response.
func (e *Env) unchallengedInvite(ctx context.Context, c transport.Conn, inv *sip.Message) (*sip.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, e.Timers.Timeout+time.Second)
	defer cancel()
	if err := c.Send(ctx, inv.Bytes()); err != nil {
		return nil, err
	}
	via, _ := inv.TopVia()
	cancelled := false
	interval := e.Timers.T1
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	got := false
	for {
		rctx, rc := context.WithTimeout(ctx, interval)
		p, err := c.Recv(rctx)
		rc()
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("check: INVITE %s: %w: %w", inv.RequestURI, transport.ErrTimeout, ctx.Err())
			}
			if !got && c.Transport() == "udp" {
				_ = c.Send(ctx, inv.Bytes())
				interval *= 2
			}
			continue
		}
		m := sip.ParseComplete(p.Data)
		if m == nil || m.IsRequest() {
			continue
		}
		if v, err := m.TopVia(); err != nil || v.Branch() != via.Branch() {
			continue
		}
		if _, meth, _ := m.CSeq(); meth != "INVITE" {
			continue
		}
		got = true
		switch {
		case m.StatusCode > 100 && m.StatusCode < 200 && !cancelled:
			cancelled = true
			cn := sip.NewRequest("CANCEL", inv.RequestURI)
			cn.Add("Via", inv.Get("Via"))
			cn.Add("Max-Forwards", "70")
			cn.Add("From", inv.Get("From"))
			cn.Add("To", inv.Get("To"))
			cn.Add("Call-ID", inv.CallID())
			num, _, _ := inv.CSeq()
			cn.Add("CSeq", fmt.Sprintf("%d CANCEL", num))
			cn.Add("Content-Length", "0")
			_, _ = transport.Transact(ctx, c, cn.Bytes(), e.Timers)
		case m.StatusCode >= 300:
			if ack, err := transport.ACKFor(inv, m); err == nil {
				_ = c.Send(ctx, ack.Bytes())
			}
			return m, nil
		case m.StatusCode >= 200:
			e.unchallengedHangup(ctx, c, inv, m)
			return m, nil
		}
	}
}

// unchallengedHangup ACKs a 2xx to an INVITE and sends BYE.
func (e *Env) unchallengedHangup(ctx context.Context, c transport.Conn, inv, ok *sip.Message) {
	target := inv.RequestURI
	if na, err := sip.ParseNameAddr(ok.Get("Contact")); err == nil && na.URI != nil {
		target = na.URI.String()
	}
	num, _, _ := inv.CSeq()
	mk := func(method string, cseq uint32) *sip.Message {
		m := sip.NewRequest(method, target)
		m.Add("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=%s;rport", viaTransport(c.Transport()), c.LocalAddr(), sip.NewBranch(e.Rand)))
		m.Add("Max-Forwards", "70")
		m.Add("From", inv.Get("From"))
		m.Add("To", ok.Get("To"))
		m.Add("Call-ID", inv.CallID())
		m.Add("CSeq", fmt.Sprintf("%d %s", cseq, method))
		m.Add("Content-Length", "0")
		return m
	}
	_ = c.Send(ctx, mk("ACK", num).Bytes())
	_, _ = transport.Transact(ctx, c, mk("BYE", num+1).Bytes(), e.Timers)
}

// judgeUnchallenged decides from the final answer to each method sent
// without credentials (nil: no answer).
func judgeUnchallenged(answers map[string]*sip.Message) Outcome {
	var served, guarded, unclear []string
	data := map[string]any{}
	for _, m := range []string{"INVITE", "MESSAGE", "SUBSCRIBE", "REFER"} {
		r, ok := answers[m]
		if !ok {
			continue
		}
		if r == nil {
			data[strings.ToLower(m)] = "no answer"
			unclear = append(unclear, m+": no answer")
			continue
		}
		data[strings.ToLower(m)] = r.StatusCode
		code := r.StatusCode
		switch {
		case code == 401 || code == 407:
			guarded = append(guarded, m+" challenged")
		case code == 403 || code == 405 || code == 501 || code == 400 || code == 420 || code == 415 || code == 488 || code == 489:
			guarded = append(guarded, fmt.Sprintf("%s refused (%d)", m, code))
		case code < 400 || code == 480 || code == 486 || code == 408 || code == 487 || code == 603 || code == 600:
			// 2xx/3xx, or an answer that shows the request was routed to
			// its destination without any authentication.
			served = append(served, fmt.Sprintf("%s %s", m, authStatus(r)))
		default:
			unclear = append(unclear, fmt.Sprintf("%s %s", m, authStatus(r)))
		}
	}
	var o Outcome
	switch {
	case len(served) > 0:
		o = Vulnerable("requests without credentials were served: %s (toll fraud and spam need no password)", strings.Join(served, ", "))
	case len(guarded) > 0 && len(unclear) == 0:
		o = Passed("every method was challenged or refused: %s", strings.Join(guarded, ", "))
	case len(guarded) > 0:
		o = Passed("no method was served without credentials: %s; unclear: %s", strings.Join(guarded, ", "), strings.Join(unclear, ", "))
	default:
		o = Inconclusive("no answer shows whether the methods need credentials: %s", strings.Join(unclear, ", "))
	}
	o.Data = data
	return o
}
