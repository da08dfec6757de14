package check

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// extMethods is ipa07.methods: which extension methods (RFC 2976, 3265,
// 3311, 3428, 3515, 3903) does the target accept unauthenticated, out of
// dialog, from an arbitrary source?
type extMethods struct{}

func (extMethods) Info() Info {
	return Info{
		ID:      "ipa07.methods",
		Item:    7,
		TitleEN: "Extension methods (INFO, SUBSCRIBE, NOTIFY, UPDATE, REFER, MESSAGE, PUBLISH) accepted unauthenticated out of dialog",
		TitleJA: "拡張メソッド (INFO・SUBSCRIBE・NOTIFY・UPDATE・REFER・MESSAGE・PUBLISH) の認証なし・ダイアログ外での受理",
		Modes:   []Mode{ModeScan},
		Roles:   []Role{RoleAny},
	}
}

// extensionMethods lists the methods ipa07.methods sends, in order.
func extensionMethods() []string {
	return []string{"INFO", "SUBSCRIBE", "NOTIFY", "UPDATE", "REFER", "MESSAGE", "PUBLISH"}
}

// methodAnswer is the final answer to one method.
type methodAnswer struct {
	Method string `json:"method"`
	Status int    `json:"status"`
	Reason string `json:"reason"`
}

// decorate adds what each method needs to be well-formed and harmless: a
// benign event package, a one-line body, a Refer-To naming our own socket.
func decorate(m *sip.Message, method, referTo string) {
	switch method {
	case "INFO":
		m.Del("Content-Length")
		m.SetBody("application/dtmf-relay", []byte("Signal=5\r\nDuration=100\r\n"))
	case "SUBSCRIBE":
		m.Set("Event", "presence")
		m.Set("Accept", "application/pidf+xml")
		m.Set("Expires", "0")
	case "NOTIFY":
		// A benign event: an empty message-summary (no check-sync, which
		// reboots some phones; that is opt-in elsewhere).
		m.Set("Event", "message-summary")
		m.Set("Subscription-State", "terminated;reason=noresource")
		m.Del("Content-Length")
		m.SetBody("application/simple-message-summary", []byte("Messages-Waiting: no\r\n"))
	case "REFER":
		m.Set("Refer-To", "<"+referTo+">")
		m.Set("Referred-By", m.Get("From"))
	case "MESSAGE":
		m.Del("Content-Length")
		m.SetBody("text/plain", []byte("sipvet security audit: unauthenticated MESSAGE probe\r\n"))
	case "PUBLISH":
		m.Set("Event", "presence")
		m.Set("Expires", "0")
	}
}

func (extMethods) Run(ctx context.Context, env *Env) (Outcome, error) {
	// REFER points at a socket of ours on source B; anything it triggers is
	// declined there.
	b, err := env.Dialer.Dial(ctx, env.Target, env.SourceB)
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa07.methods: %w", err)
	}
	defer b.Close()
	bctx, stopB := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s2Collect(bctx, b, env.s2Window()*4, func(p transport.Packet, m *sip.Message) bool {
			if m.IsRequest() {
				s2Answer(bctx, b, p, m, 603)
			}
			return false
		})
	}()
	defer func() { stopB(); wg.Wait() }()

	var answers []methodAnswer
	for _, method := range extensionMethods() {
		a := methodAnswer{Method: method}
		// Call the test account, then the target itself when the account
		// is not reachable (404/480 say nothing about credentials).
		for _, callee := range bodyCallees(env) {
			c, err := env.Dialer.Dial(ctx, env.Target, "")
			if err != nil {
				return Outcome{}, fmt.Errorf("ipa07.methods: %w", err)
			}
			d := env.newDialog()
			ruri := uriFor(env.Target, callee, env.Target.HostPort())
			req := env.request(c, d, method, ruri, "", ruri)
			decorate(req, method, "sip:sipvet-refer@"+b.LocalAddr())
			res, err := env.transact(ctx, c, req)
			c.Close()
			a = methodAnswer{Method: method}
			switch {
			case err == nil:
				a.Status, a.Reason = res.Final.StatusCode, res.Final.Reason
			case !s2Timeout(err):
				return Outcome{}, fmt.Errorf("ipa07.methods: %w", err)
			}
			if a.Status != 404 && a.Status != 480 {
				break
			}
		}
		answers = append(answers, a)
	}
	return judgeMethods(answers), nil
}

// judgeMethods: a 2xx to an unauthenticated out-of-dialog extension
// request means the method is open to anyone.
func judgeMethods(answers []methodAnswer) Outcome {
	var open, closed, silent, unrouted []string
	perMethod := map[string]int{}
	for _, a := range answers {
		perMethod[a.Method] = a.Status
		switch {
		case a.Status == 0:
			silent = append(silent, a.Method)
		case a.Status == 404 || a.Status == 480:
			// Not routed: says nothing about whether credentials are needed.
			unrouted = append(unrouted, fmt.Sprintf("%s (%d)", a.Method, a.Status))
		case a.Status >= 200 && a.Status < 300:
			open = append(open, fmt.Sprintf("%s (%d)", a.Method, a.Status))
		default:
			closed = append(closed, fmt.Sprintf("%s (%d)", a.Method, a.Status))
		}
	}
	var o Outcome
	switch {
	case len(open) > 0:
		o = Vulnerable("the target accepted unauthenticated out-of-dialog extension requests: %s — forged messages, subscriptions and transfers need no credentials", strings.Join(open, ", "))
		if len(closed) > 0 {
			o.Summary += "; refused: " + strings.Join(closed, ", ")
		}
	case len(closed) > 0:
		o = Passed("the target refused or challenged every unauthenticated extension request: %s", strings.Join(closed, ", "))
		if len(silent) > 0 {
			o.Summary += "; no answer to " + strings.Join(silent, ", ")
		}
	case len(unrouted) > 0:
		o = Inconclusive("the extension requests were not routed (%s), so they show nothing about authentication; pass --user with a reachable account", strings.Join(unrouted, ", "))
	default:
		o = Inconclusive("no answer to any extension request")
	}
	o.Data = map[string]any{"methods": perMethod, "answers": answers}
	return o
}

// referTrigger is ipa07.refer-trigger: does an unauthenticated REFER make
// the target call an address of the sender's choosing (toll fraud,
// call-back attacks)?
type referTrigger struct{}

func (referTrigger) Info() Info {
	return Info{
		ID:      "ipa07.refer-trigger",
		Item:    7,
		TitleEN: "Unauthenticated REFER makes the target call an attacker-chosen URI",
		TitleJA: "認証なしの REFER による攻撃者指定 URI への発信",
		Modes:   []Mode{ModeScan},
		Roles:   []Role{RoleUA, RoleAny},
	}
}

func (referTrigger) Run(ctx context.Context, env *Env) (Outcome, error) {
	a, b, closeBoth, err := env.dialPair(ctx, "ipa07.refer-trigger")
	if err != nil {
		return Outcome{}, err
	}
	defer closeBoth()
	referTo := "sip:sipvet-refer@" + b.LocalAddr()
	var final, triggered *sip.Message
	// Refer the test account, then the target itself when the account is
	// not reachable (404/480 say nothing about REFER handling).
	for _, callee := range bodyCallees(env) {
		var err error
		final, triggered, err = referOnce(ctx, env, a, b, callee, referTo)
		if err != nil {
			return Outcome{}, err
		}
		if triggered != nil || final == nil || (final.StatusCode != 404 && final.StatusCode != 480) {
			break
		}
	}
	o := judgeReferTrigger(final, triggered)
	o.Data["refer_to"] = referTo
	return o, nil
}

// referOnce sends one REFER for callee from a and collects, on b, an
// INVITE to the Refer-To address.
func referOnce(ctx context.Context, env *Env, a, b transport.Conn, callee, referTo string) (final, triggered *sip.Message, err error) {
	d := env.newDialog()
	ruri := uriFor(env.Target, callee, env.Target.HostPort())
	req := env.request(a, d, "REFER", ruri, "", ruri)
	decorate(req, "REFER", referTo)
	var wg sync.WaitGroup
	cctx, stopCollect := context.WithCancel(ctx)
	defer stopCollect()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s2Collect(cctx, b, env.s2Window()+env.s2Window()/2, func(p transport.Packet, m *sip.Message) bool {
			if m.IsRequest() && m.Method == "INVITE" {
				triggered = m
				s2Answer(ctx, b, p, m, 603)
				return true
			}
			if m.IsRequest() {
				s2Answer(ctx, b, p, m, 603)
			}
			return false
		})
	}()
	res, terr := env.transact(ctx, a, req)
	if terr == nil && (res.Final.StatusCode < 200 || res.Final.StatusCode >= 300) {
		// Refused: nothing will be triggered; keep a short grace period.
		time.AfterFunc(300*time.Millisecond, stopCollect)
	}
	wg.Wait()
	if terr == nil {
		final = res.Final
	} else if !s2Timeout(terr) {
		return nil, nil, fmt.Errorf("ipa07.refer-trigger: %w", terr)
	}
	return final, triggered, nil
}

// judgeReferTrigger: an INVITE arriving at the Refer-To address is the
// finding; a refused REFER passes.
func judgeReferTrigger(final, invite *sip.Message) Outcome {
	data := map[string]any{"invite_received": invite != nil}
	if final != nil {
		data["status"] = final.StatusCode
	}
	var o Outcome
	switch {
	case invite != nil:
		o = Vulnerable("an unauthenticated REFER made the target send an INVITE to the sipvet-chosen Refer-To address (%s): anyone can make it place calls", strings.TrimSpace(invite.RequestURI))
	case final == nil:
		o = Inconclusive("no answer to the REFER and no INVITE at the Refer-To address")
	case final.StatusCode == 404 || final.StatusCode == 480:
		o = Inconclusive("the REFER was not routed (%d %s), which shows nothing about how the target handles it", final.StatusCode, final.Reason)
	case final.StatusCode >= 200 && final.StatusCode < 300:
		o = Passed("the target accepted the REFER (%d %s) but sent no INVITE to the Refer-To address within the window", final.StatusCode, final.Reason)
	default:
		o = Passed("the target refused the unauthenticated REFER (%d %s)", final.StatusCode, final.Reason)
	}
	o.Data = data
	return o
}
