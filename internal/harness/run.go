package harness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// runner carries one run's state.
type runner struct {
	cfg *Config
	s   *server
	// quiet suppresses the per-action lines of automated drivers (ipa13's
	// many calls print a progress line instead).
	quiet bool
}

// Run starts the harness, waits for the DUT, runs the selected checks in
// item order and returns one result per check. It ends when the checks are
// done or cfg.Timeout (or ctx) ends; checks not reached then are reported
// inconclusive. The listeners are closed before Run returns.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.defaults(); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	s, err := newServer(ctx, &cfg)
	if err != nil {
		return Report{}, err
	}
	defer s.close()
	if cfg.Ready != nil {
		cfg.Ready()
	}
	r := &runner{cfg: &cfg, s: s}
	selected := map[string]bool{}
	for _, id := range cfg.Checks {
		selected[id] = true
	}
	var todo []CheckInfo
	for _, ci := range Checks() {
		if len(cfg.Checks) == 0 || selected[ci.ID] {
			todo = append(todo, ci)
		}
	}
	r.say("sipvet harness listening on %s (driver: %s)", strings.Join(r.listening(), ", "), cfg.Driver.Name())
	needReg := false
	for _, ci := range todo {
		if ci.Needs == "" {
			needReg = true
		}
	}
	if needReg {
		r.act(ctx, Action{Kind: ActRegister}, fmt.Sprintf("configure the device with registrar/outbound proxy sip:%s and let it register now", s.harnessHost()))
		r.waitRegistered(ctx)
	}
	var rep Report
	var ran int
	// ipa13 runs last: it analyses what every other check made the DUT send.
	order := append([]CheckInfo(nil), todo...)
	for i, ci := range order {
		if ci.ID == IDClientIdentifiers && i != len(order)-1 {
			order = append(append(order[:i:i], order[i+1:]...), ci)
			break
		}
	}
	for _, ci := range order {
		start := cfg.Now()
		s.ev.Take()
		var o outcome
		if ctx.Err() != nil {
			o = inconclusive("the harness timeout (%s) ended the run before this check", cfg.Timeout)
		} else {
			r.say("── %s: %s", ci.ID, ci.TitleEN)
			o = r.runCheck(ctx, ci)
			r.say("   %s: %s", o.verdict, o.summary)
		}
		res := result(ci, r.dutTarget(), o, s.ev.Take(), start, cfg.Now())
		rep.Results = append(rep.Results, res)
		ran++
		if cfg.OnResult != nil {
			cfg.OnResult(res)
		}
	}
	rep.DUT = r.dutTarget()
	for i := range rep.Results {
		rep.Results[i].Target = rep.DUT
	}
	r.say("done: %d checks", ran)
	return rep, nil
}

func (r *runner) listening() []string {
	var out []string
	for _, t := range r.cfg.Listen {
		out = append(out, t.String())
	}
	if r.s.b != nil {
		out = append(out, "source B "+r.s.b.Addr())
	}
	return out
}

func (r *runner) dutTarget() string {
	d := r.s.registered()
	if d == nil {
		return "dut:unregistered"
	}
	return d.transport + "://" + d.src
}

// say prints a line for the user.
func (r *runner) say(format string, a ...any) {
	fmt.Fprintf(r.cfg.Prompts, "[harness] "+format+"\n", a...)
}

// act asks the DUT through the driver, printing what a person must do.
func (r *runner) act(ctx context.Context, a Action, human string) {
	if r.cfg.Driver.Automated() {
		if a.Kind == ActRegister {
			r.say("waiting for the device to register (%s)", r.cfg.StepTimeout)
			_ = r.cfg.Driver.Do(ctx, a)
			return
		}
		if !r.quiet {
			r.say("→ %s: %s %s", r.cfg.Driver.Name(), a.Kind, a.URI)
		}
		if err := r.cfg.Driver.Do(ctx, a); err != nil {
			r.say("   driver error: %v", err)
		}
		return
	}
	human = strings.ReplaceAll(human, "0.0.0.0", "<this machine's IP>")
	r.say("▶ ON THE DEVICE: %s (waiting up to %s)", human, r.cfg.StepTimeout)
}

func (r *runner) waitRegistered(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.StepTimeout)
	defer cancel()
	for r.s.registered() == nil {
		wctx, c2 := context.WithTimeout(ctx, 100*time.Millisecond)
		_, _ = r.s.next(wctx, func(inbound) bool { return false })
		c2()
		if ctx.Err() != nil {
			r.say("the device did not register within %s", r.cfg.StepTimeout)
			return
		}
	}
	d := r.s.registered()
	r.say("registered: %s from %s (contact %s)", d.aor, d.src, d.contact)
}

func (r *runner) runCheck(ctx context.Context, ci CheckInfo) (o outcome) {
	defer func() {
		if p := recover(); p != nil {
			o = inconclusive("internal error: %v", p)
		}
	}()
	if ci.Needs == "tls" && r.s.tls == nil {
		return notApplicable("this check needs a tls:// --listen address and a DUT configured for TLS")
	}
	if ci.Needs == "" && ci.ID != IDClientIdentifiers && r.s.registered() == nil {
		return inconclusive("the device did not register to the harness within %s", r.cfg.StepTimeout)
	}
	switch ci.ID {
	case IDResponseForeignSource:
		return r.checkResponse(ctx, "2001", modeForeign)
	case IDResponseWrongBranch:
		return r.checkResponse(ctx, "2002", modeBranch)
	case IDRedirectFollowed:
		return r.checkRedirect(ctx, "2003")
	case IDTLSDowngrade:
		return r.checkDowngrade(ctx, "2005")
	case IDClientIdentifiers:
		return r.checkIdentifiers(ctx, "2013")
	case IDForeignSourceInvite:
		return r.checkForeignInvite(ctx)
	case IDClientAcceptsBadCert:
		return r.checkBadCerts(ctx, "2020")
	}
	return inconclusive("unknown check")
}

// dialURI is what the DUT is asked to call: number at the harness over via.
func (r *runner) dialURI(number, via string) string {
	switch via {
	case "tls":
		return fmt.Sprintf("sip:%s@%s;transport=tls", number, r.s.tlsHostPort())
	case "tcp":
		return fmt.Sprintf("sip:%s@%s;transport=tcp", number, r.s.lst["tcp"].Addr())
	}
	return fmt.Sprintf("sip:%s@%s", number, r.s.harnessHost())
}

// isNewInvite reports an initial INVITE (no To tag) for number.
func isNewInvite(in inbound, number string) bool {
	m := in.msg
	if m.Method != "INVITE" {
		return false
	}
	to, err := m.To()
	if err != nil || to.Tag() != "" {
		return false
	}
	u, err := sip.ParseURI(m.RequestURI)
	return err == nil && (number == "" || u.UnescapedUser() == number)
}

// call asks the DUT to dial number over via and returns its INVITE after
// answering 100 Trying.
func (r *runner) call(ctx context.Context, number, via, hint string) (inbound, error) {
	uri := r.dialURI(number, via)
	r.act(ctx, Action{Kind: ActDial, URI: uri, Number: number, Hint: hint}, fmt.Sprintf("dial %s (%s)%s", number, uri, hint))
	wctx, cancel := context.WithTimeout(ctx, r.cfg.StepTimeout)
	defer cancel()
	in, err := r.s.next(wctx, func(in inbound) bool { return isNewInvite(in, number) })
	if err != nil {
		return inbound{}, fmt.Errorf("the device placed no call to %s within %s", number, r.cfg.StepTimeout)
	}
	r.s.reply(in, 100, "", nil)
	return in, nil
}

// hangup asks an automated DUT to drop any call left (errors ignored: there
// may be none).
func (r *runner) hangup(ctx context.Context) {
	if r.cfg.Driver.Automated() {
		_ = r.cfg.Driver.Do(ctx, Action{Kind: ActHangup})
	}
}

// answerSDP is an inactive audio answer: the DUT sends no media to anyone.
func (r *runner) answerSDP() []byte {
	ip := r.s.listenIP
	return []byte("v=0\r\no=sipvet 1 1 IN IP4 " + ip + "\r\ns=sipvet harness\r\nc=IN IP4 " + ip +
		"\r\nt=0 0\r\nm=audio 9 RTP/AVP 0 8\r\na=inactive\r\n")
}

// ok200 builds the 200 OK for in with toTag, the harness Contact and an
// inactive SDP answer.
func (r *runner) ok200(in inbound, toTag, contactVia string) *sip.Message {
	resp := r.s.respond(in, 200, toTag, []sip.Header{{Name: "Contact", Value: "<" + r.s.listenerURI(contactVia) + ">"}})
	resp.Del("Content-Length")
	resp.SetBody("application/sdp", r.answerSDP())
	return resp
}

// waitACK watches for an ACK with toTag for window, swallowing
// retransmissions of the INVITE. It returns the ACK, if any.
func (r *runner) waitACK(ctx context.Context, inv inbound, toTag string, window time.Duration) (inbound, bool) {
	wctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	for {
		in, err := r.s.next(wctx, func(x inbound) bool { return x.msg.CallID() == inv.msg.CallID() })
		if err != nil {
			return inbound{}, false
		}
		if in.msg.Method == "ACK" {
			if to, err := in.msg.To(); err == nil && to.Tag() == toTag {
				return in, true
			}
		}
		if in.msg.Method == "CANCEL" {
			r.s.reply(in, 200, "", nil)
		}
		// INVITE retransmissions and anything else in the call: no answer yet.
	}
}

// endCall ends what a check set up: BYE for an accepted 2xx, else a
// final 480 for the pending INVITE (whose ACK is then swallowed).
func (r *runner) endCall(ctx context.Context, inv inbound, toTag string, acked bool) {
	if acked {
		r.sendBYE(ctx, inv, toTag)
	} else {
		r.s.reply(inv, 480, r.s.token(6), nil)
		r.s.drain(300 * time.Millisecond)
	}
	r.hangup(ctx)
}

// sendBYE ends the dialog the DUT accepted: the harness is the callee.
func (r *runner) sendBYE(ctx context.Context, inv inbound, toTag string) {
	m := inv.msg
	target := m.Get("Contact")
	ruri := ""
	if na, err := sip.ParseNameAddr(target); err == nil {
		ruri = na.URI.String()
	}
	if ruri == "" {
		from, _ := m.From()
		if from.URI != nil {
			ruri = from.URI.String()
		}
	}
	bye := sip.NewRequest("BYE", ruri)
	host := r.s.harnessHost()
	tr := "UDP"
	if inv.via == "tls" {
		host, tr = r.s.tls.addr, "TLS"
	} else if inv.via == "tcp" {
		host, tr = r.s.lst["tcp"].Addr(), "TCP"
	}
	bye.Add("Via", "SIP/2.0/"+tr+" "+host+";branch="+sip.NewBranch(r.s.rnd)+";rport")
	bye.Add("Max-Forwards", "70")
	bye.Add("From", m.Get("To")+";tag="+toTag)
	bye.Add("To", m.Get("From"))
	bye.Add("Call-ID", m.CallID())
	bye.Add("CSeq", "1 BYE")
	bye.Add("User-Agent", r.cfg.UserAgent)
	bye.Add("Content-Length", "0")
	via := inv.via
	if via == "b" {
		via = "udp"
	}
	_ = r.s.sendVia(via, inv.pkt, bye.Bytes())
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, _ = r.s.next(wctx, func(x inbound) bool { return !x.msg.IsRequest() && x.msg.CallID() == m.CallID() })
}

type responseMode int

const (
	modeForeign responseMode = iota
	modeBranch
)

// checkResponse: ipa02.response-foreign-source and response-wrong-branch.
func (r *runner) checkResponse(ctx context.Context, number string, mode responseMode) outcome {
	inv, err := r.call(ctx, number, "udp", " — the call is answered and hung up by sipvet")
	if err != nil {
		return inconclusive("%v", err)
	}
	tag := r.s.token(6)
	resp := r.ok200(inv, tag, "udp")
	data := map[string]any{"invite_from": inv.pkt.Src, "invite_transport": inv.via}
	switch mode {
	case modeForeign:
		if inv.via != "udp" {
			r.endCall(ctx, inv, tag, false)
			return notApplicable("the DUT called over %s; a response from a foreign source needs UDP", inv.via)
		}
		if r.s.b == nil {
			r.endCall(ctx, inv, tag, false)
			return inconclusive("no source B address: set --source-b")
		}
		data["response_from"] = r.s.b.Addr()
		if err := r.s.sendFromB(ctx, resp.Bytes(), inv.pkt.Src); err != nil {
			r.endCall(ctx, inv, tag, false)
			return inconclusive("send from source B: %v", err)
		}
	case modeBranch:
		wrong := sip.BranchMagic + "sipvet" + r.s.token(8)
		if err := setTopBranch(resp, wrong); err != nil {
			r.endCall(ctx, inv, tag, false)
			return inconclusive("%v", err)
		}
		data["wrong_branch"] = wrong
		r.s.send(inv, resp.Bytes())
	}
	_, acked := r.waitACK(ctx, inv, tag, r.cfg.Window)
	r.endCall(ctx, inv, tag, acked)
	o := judgeResponse(mode, acked)
	o.data = data
	return o
}

// judgeResponse: an ACK for the spoofed 200 means the DUT took it.
func judgeResponse(mode responseMode, acked bool) outcome {
	what := "a 200 OK from a source other than the proxy it sent the INVITE to"
	if mode == modeBranch {
		what = "a 200 OK whose top Via branch does not match its INVITE"
	}
	if acked {
		return vulnerable("the DUT accepted %s and acknowledged it (ACK): the call was set up by a forged response", what)
	}
	return passed("the DUT ignored %s (no ACK)", what)
}

// setTopBranch replaces the branch of the first Via value of m.
func setTopBranch(m *sip.Message, branch string) error {
	for i, h := range m.Headers {
		if sip.CanonicalHeaderName(h.Name) != "Via" {
			continue
		}
		vias, err := sip.ParseVia(h.Value)
		if err != nil || len(vias) == 0 {
			return fmt.Errorf("harness: cannot parse Via %q", h.Value)
		}
		for j, p := range vias[0].Params {
			if strings.EqualFold(p.Name, "branch") {
				vias[0].Params[j].Value = branch
			}
		}
		parts := make([]string, len(vias))
		for j, v := range vias {
			parts[j] = v.String()
		}
		m.Headers[i].Value = strings.Join(parts, ", ")
		return nil
	}
	return errors.New("harness: response has no Via")
}

// checkRedirect: ipa02.redirect-followed.
func (r *runner) checkRedirect(ctx context.Context, number string) outcome {
	inv, err := r.call(ctx, number, "udp", " — sipvet redirects the call")
	if err != nil {
		return inconclusive("%v", err)
	}
	user := "sipvet-redirect-" + r.s.token(4)
	contact := "sip:" + user + "@" + r.s.harnessHost()
	tag := r.s.token(6)
	resp := r.s.respond(inv, 302, tag, []sip.Header{{Name: "Contact", Value: "<" + contact + ">"}})
	r.s.send(inv, resp.Bytes())
	wctx, cancel := context.WithTimeout(ctx, r.cfg.Window)
	defer cancel()
	followed := false
	for !followed {
		in, err := r.s.next(wctx, func(x inbound) bool {
			return x.msg.CallID() == inv.msg.CallID() || isNewInvite(x, user)
		})
		if err != nil {
			break
		}
		switch {
		case isNewInvite(in, user):
			followed = true
			r.s.reply(in, 480, "", nil)
			r.s.drain(300 * time.Millisecond)
		case in.msg.Method == "INVITE":
			r.s.send(in, resp.Bytes()) // retransmission: repeat the 302
		}
	}
	r.hangup(ctx)
	o := judgeRedirect(followed)
	o.data = map[string]any{"redirect_contact": contact}
	return o
}

// judgeRedirect: a new INVITE to the redirect target means the DUT followed.
func judgeRedirect(followed bool) outcome {
	if followed {
		return vulnerable("the DUT followed a 302 redirect to a third party without asking (it sent a new INVITE to the Contact of the 302)")
	}
	return passed("the DUT did not follow the 302 redirect to a third party")
}

// checkForeignInvite: ipa15.foreign-source-invite.
func (r *runner) checkForeignInvite(ctx context.Context) outcome {
	d := r.s.registered()
	if r.s.b == nil {
		return inconclusive("no source B address: set --source-b")
	}
	dst := d.src
	if d.contact != nil && d.contact.Host != "" && strings.Trim(d.contact.Host, "[]") == d.ip.String() && d.contact.Transport() != "tls" && d.contact.Transport() != "tcp" {
		port := d.contact.Port
		if port == 0 {
			port = 5060
		}
		dst = fmt.Sprintf("%s:%d", d.contact.Host, port)
	}
	if d.transport != "udp" && dst == d.src {
		return notApplicable("the DUT registered over %s; the foreign INVITE is sent over UDP to its contact", d.transport)
	}
	r.say("sending an INVITE to the device (%s) from source B %s — if it rings, do not answer", dst, r.s.b.Addr())
	res := r.s.foreignInvite(ctx, dst, d.contact, r.cfg.Window*2)
	o := judgeForeignInvite(res.codes)
	o.data = map[string]any{"invite_to": dst, "invite_from": r.s.b.Addr(), "responses": res.codes}
	return o
}

// judgeForeignInvite: ringing (18x) or answering (2xx) an INVITE from an
// address the DUT never registered with is the flaw.
func judgeForeignInvite(codes []int) outcome {
	for _, c := range codes {
		if c >= 180 && c < 300 {
			if c >= 200 {
				return vulnerable("the DUT answered (%d) an INVITE sent from source B, an address that is not its registrar/proxy", c)
			}
			return vulnerable("the DUT rang (%d) for an INVITE sent from source B, an address that is not its registrar/proxy", c)
		}
	}
	for _, c := range codes {
		if c >= 300 {
			return passed("the DUT refused (%d) an INVITE from source B", c)
		}
	}
	return passed("the DUT did not ring or answer an INVITE from source B (responses: %v)", codes)
}

// checkDowngrade: ipa05.tls-downgrade.
func (r *runner) checkDowngrade(ctx context.Context, number string) outcome {
	if r.s.lst["udp"] == nil && r.s.lst["tcp"] == nil {
		return notApplicable("a fallback can only be seen with a udp:// or tcp:// --listen address as well")
	}
	r.s.tls.setMode(CertValid, false)
	r.drainTLS()
	uri := r.dialURI(number, "tls")
	r.act(ctx, Action{Kind: ActDial, URI: uri, Number: number}, fmt.Sprintf("make the device send a request over TLS: dial %s (%s) or register its TLS account", number, uri))
	wctx, cancel := context.WithTimeout(ctx, r.cfg.StepTimeout)
	first, err := r.s.next(wctx, func(in inbound) bool { return in.via == "tls" && in.msg.IsRequest() })
	cancel()
	if err != nil {
		return inconclusive("the device sent nothing over TLS within %s", r.cfg.StepTimeout)
	}
	from, _ := first.msg.From()
	user := ""
	if from.URI != nil {
		user = from.URI.User
	}
	ruser := ""
	if u, err := sip.ParseURI(first.msg.RequestURI); err == nil {
		ruser = u.User
	}
	r.s.tls.setMode(CertValid, true)
	r.s.tls.resetAll()
	r.say("reset the device's TLS connection; watching for a cleartext retry for %s", r.cfg.Window*2)
	wctx, cancel = context.WithTimeout(ctx, r.cfg.Window*2)
	var clear *inbound
	for clear == nil {
		in, err := r.s.next(wctx, func(in inbound) bool {
			if in.via == "tls" || !in.msg.IsRequest() || in.msg.Method == "ACK" {
				return false
			}
			f, _ := in.msg.From()
			u, _ := sip.ParseURI(in.msg.RequestURI)
			return in.msg.CallID() == first.msg.CallID() || (f.URI != nil && f.URI.User == user && u != nil && u.User == ruser)
		})
		if err != nil {
			break
		}
		clear = &in
	}
	cancel()
	resets := 0
	for {
		select {
		case e := <-r.s.tls.events:
			if e.reset {
				resets++
			}
			continue
		default:
		}
		break
	}
	r.s.tls.setMode(CertValid, false)
	if clear != nil {
		r.s.reply(*clear, 480, "", nil)
		r.s.drain(300 * time.Millisecond)
	}
	r.hangup(ctx)
	o := judgeDowngrade(clear != nil, clear)
	o.data = map[string]any{"tls_retries_reset": resets}
	return o
}

func judgeDowngrade(fellBack bool, in *inbound) outcome {
	if fellBack {
		return vulnerable("after its TLS connection was reset, the DUT re-sent its %s in cleartext over %s", in.msg.Method, in.via)
	}
	return passed("after its TLS connection was reset, the DUT did not fall back to cleartext")
}

func (r *runner) drainTLS() {
	for {
		select {
		case <-r.s.tls.events:
		default:
			return
		}
	}
}

// certOutcome is what the DUT did with one certificate.
type certOutcome string

const (
	certAccepted  certOutcome = "accepted"   // handshake completed and SIP sent
	certRejected  certOutcome = "rejected"   // handshake failed
	certNoAttempt certOutcome = "no-attempt" // the DUT did not connect
)

// checkBadCerts: ipa20.client-accepts-bad-cert.
func (r *runner) checkBadCerts(ctx context.Context, number string) outcome {
	got := map[CertKind]certOutcome{}
	for i, kind := range append([]CertKind{CertValid}, BadCertKinds()...) {
		if ctx.Err() != nil {
			break
		}
		r.s.tls.setMode(kind, false)
		r.s.tls.resetAll()
		r.s.drain(200 * time.Millisecond)
		r.drainTLS()
		num := fmt.Sprintf("%s%d", number, i)
		uri := r.dialURI(num, "tls")
		r.say("presenting the %s certificate", kind)
		r.act(ctx, Action{Kind: ActDial, URI: uri, Number: num}, fmt.Sprintf("make the device connect over TLS: dial %s (%s) or re-register its TLS account", num, uri))
		got[kind] = r.watchTLS(ctx)
		r.say("   %s certificate: %s", kind, got[kind])
		r.hangup(ctx)
	}
	r.s.tls.setMode(CertValid, false)
	r.s.tls.resetAll()
	return judgeCerts(got)
}

// watchTLS waits for the DUT's next TLS attempt and reports its outcome.
func (r *runner) watchTLS(ctx context.Context) certOutcome {
	wctx, cancel := context.WithTimeout(ctx, r.cfg.StepTimeout)
	defer cancel()
	for {
		select {
		case e := <-r.s.tls.events:
			if e.reset {
				continue
			}
			if e.err != nil {
				return certRejected
			}
			// Handshake done: accepted once SIP arrives on it.
			sctx, c2 := context.WithTimeout(ctx, r.cfg.Window)
			in, err := r.s.next(sctx, func(in inbound) bool { return in.via == "tls" && in.msg.IsRequest() })
			c2()
			if err != nil {
				// REGISTER is answered by the registrar without queueing.
				if r.s.sawTLSRegister(e.remote) {
					return certAccepted
				}
				return certRejected
			}
			if in.msg.Method == "INVITE" {
				r.s.reply(in, 480, "", nil)
			}
			return certAccepted
		case <-wctx.Done():
			return certNoAttempt
		}
	}
}

// judgeCerts: any invalid certificate accepted is the flaw.
func judgeCerts(got map[CertKind]certOutcome) outcome {
	var acc, missing []string
	for _, k := range BadCertKinds() {
		switch got[k] {
		case certAccepted:
			acc = append(acc, string(k))
		case certRejected:
		default:
			missing = append(missing, string(k))
		}
	}
	data := map[string]any{}
	for k, v := range got {
		data[string(k)] = string(v)
	}
	var o outcome
	switch {
	case len(acc) > 0:
		o = vulnerable("the DUT completed the TLS handshake and sent SIP with invalid server certificates: %s (a man in the middle can read and change its signalling)", strings.Join(acc, ", "))
	case len(missing) > 0:
		o = inconclusive("the DUT made no TLS connection while the %s certificate(s) were presented", strings.Join(missing, ", "))
	case got[CertValid] != certAccepted:
		o = inconclusive("the DUT refused all four invalid certificates but also the valid control certificate, so its refusals cannot be told from a DUT that cannot connect at all: install the harness CA in the DUT, and give --tls-name when it checks host names (many clients do not match IP addresses)")
	default:
		o = passed("the DUT refused the self-signed, wrong-name, expired and untrusted-CA certificates and accepted the valid one")
	}
	o.data = map[string]any{"certificates": data}
	return o
}

// identSamples is how many calls ipa13 wants: ident needs at least
// ident.MinSamples, and its min-entropy estimate of a 64-bit random value
// only passes 32 bits from about 60–100 samples on.
const identSamples = 100

// checkIdentifiers: ipa13.client-identifiers. Extra short calls top up what
// the other checks collected.
func (r *runner) checkIdentifiers(ctx context.Context, number string) outcome {
	if r.s.registered() == nil && r.s.coll.count(kindBranch) == 0 {
		return inconclusive("the device did not register or send anything to the harness")
	}
	need := identSamples - r.s.coll.count(kindCallID)
	if need > r.cfg.Calls {
		need = r.cfg.Calls
	}
	r.quiet = r.cfg.Driver.Automated()
	defer func() { r.quiet = false }()
	if need > 0 {
		r.say("asking for %d short calls to %s (each is rejected at once)", need, r.dialURI(number, "udp"))
	}
	for i := 0; i < need && ctx.Err() == nil; i++ {
		if r.quiet && (i+1)%25 == 0 {
			r.say("   %d/%d calls", i+1, need)
		}
		inv, err := r.call(ctx, number, "udp", fmt.Sprintf(" — call %d of %d, rejected at once", i+1, need))
		if err != nil {
			break
		}
		if !r.cfg.NoAuth {
			r.challenge(ctx, inv)
		} else {
			r.s.reply(inv, 486, "", nil)
		}
		r.s.drain(5 * time.Millisecond)
	}
	values, cseqs := r.s.coll.snapshot()
	return judgeIdentifiers(values, cseqs)
}

// challenge answers inv with 407 and the authenticated retry with 486, so
// that the DUT shows a cnonce.
func (r *runner) challenge(ctx context.Context, inv inbound) {
	nonce := r.s.token(16)
	ch := "Digest realm=\"" + r.s.realm + "\", nonce=\"" + nonce + "\", algorithm=MD5, qop=\"auth\""
	r.s.reply(inv, 407, "", []sip.Header{{Name: "Proxy-Authenticate", Value: ch}})
	wctx, cancel := context.WithTimeout(ctx, r.cfg.Window)
	defer cancel()
	in, err := r.s.next(wctx, func(x inbound) bool {
		return x.msg.Method == "INVITE" && x.msg.CallID() == inv.msg.CallID() && x.msg.Has("Proxy-Authorization")
	})
	if err == nil {
		r.s.reply(in, 486, "", nil)
	}
}
