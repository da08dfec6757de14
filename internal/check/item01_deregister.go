package check

import (
	"context"
	"fmt"
	"strings"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// deregisterSpoof is ipa01.deregister-spoof: can a binding be removed by an
// unauthenticated REGISTER from another source (survey item 1)? sipvet
// registers its own contact with the test account from source A and tries
// to remove it from source B without credentials; only with
// --allow disruptive does it send "Contact: *", which would remove the
// account's other bindings too.
type deregisterSpoof struct{}

func (deregisterSpoof) Info() Info {
	return Info{
		ID:               "ipa01.deregister-spoof",
		Item:             1,
		TitleEN:          "Binding removed by an unauthenticated REGISTER from another source",
		TitleJA:          "別の送信元からの認証なし REGISTER による登録の削除",
		Modes:            []Mode{ModeScan},
		Roles:            []Role{RoleRegistrar},
		NeedsCredentials: true,
	}
}

// authRegisterBinding registers the contact of c for the test account with
// expires seconds (0 removes it) in dialog d, answering challenges.
func (e *Env) authRegisterBinding(ctx context.Context, c transport.Conn, d *dialog, expires int) (authExchange, error) {
	domain := e.Target.HostPort()
	aor := uriFor(e.Target, e.User, domain)
	req := e.request(c, d, "REGISTER", uriFor(e.Target, "", domain), e.User, aor)
	req.Set("Expires", fmt.Sprint(expires))
	return e.authDo(ctx, c, d, req, e.User, e.Password)
}

// authBound reports whether a 2xx to a REGISTER lists the contact of c.
func authBound(resp *sip.Message, c transport.Conn) bool {
	if resp == nil {
		return false
	}
	for _, v := range resp.GetAll("Contact") {
		for _, one := range sip.SplitList(v) {
			if strings.Contains(one, "@"+c.LocalAddr()) {
				return true
			}
		}
	}
	return false
}

func (deregisterSpoof) Run(ctx context.Context, env *Env) (Outcome, error) {
	c, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa01.deregister-spoof: %w", err)
	}
	defer c.Close()
	d := env.newDialog()
	reg, err := env.authRegisterBinding(ctx, c, d, 120)
	if err != nil {
		if authTimeout(err) {
			return Inconclusive("no final response to the test account's REGISTER"), nil
		}
		return Outcome{}, fmt.Errorf("ipa01.deregister-spoof: %w", err)
	}
	if reg.Final.StatusCode < 200 || reg.Final.StatusCode >= 300 {
		return Inconclusive("the test account could not register (%s); check --user/--password", authStatus(reg.Final)), nil
	}
	cleanup := func(o *Outcome) {
		if r, err := env.authRegisterBinding(ctx, c, d, 0); err != nil {
			o.Data["cleanup"] = "failed: " + err.Error()
		} else {
			o.Data["cleanup"] = "binding removed (" + authStatus(r.Final) + ")"
		}
	}

	b, err := env.Dialer.Dial(ctx, env.Target, env.SourceB)
	if err != nil {
		o := Inconclusive("cannot send from source B %q: %v", env.SourceB, err)
		o.Data = map[string]any{}
		cleanup(&o)
		return o, nil
	}
	defer b.Close()
	wildcard := env.Allowed != nil && env.Allowed(AllowDisruptive)
	domain := env.Target.HostPort()
	aor := uriFor(env.Target, env.User, domain)
	sd := env.newDialog()
	spoof := env.request(b, sd, "REGISTER", uriFor(env.Target, "", domain), env.User, aor)
	if wildcard {
		spoof.Set("Contact", "*")
	} else {
		spoof.Set("Contact", "<"+contactURI(c, env.User)+">;expires=0")
	}
	spoof.Set("Expires", "0")
	sres, err := env.transact(ctx, b, spoof)
	var spoofResp *sip.Message
	if err == nil {
		spoofResp = sres.Final
	} else if !authTimeout(err) {
		return Outcome{}, fmt.Errorf("ipa01.deregister-spoof: %w", err)
	}
	// Is the binding still there? Ask with the test account.
	var still *bool
	if q, err := env.authDo(ctx, c, d, env.authRegisterQuery(c, d, env.User), env.User, env.Password); err == nil && q.Final.StatusCode >= 200 && q.Final.StatusCode < 300 {
		v := authBound(q.Final, c)
		still = &v
	}
	o := judgeDeregisterSpoof(spoofResp, still, wildcard)
	o.Data = map[string]any{"aor": aor, "contact": contactURI(c, env.User), "wildcard": wildcard, "source_b": b.LocalAddr()}
	if spoofResp != nil {
		o.Data["status"] = spoofResp.StatusCode
	}
	if still != nil {
		o.Data["binding_after"] = *still
	}
	cleanup(&o)
	return o, nil
}

// judgeDeregisterSpoof decides from the answer to the spoofed
// de-registration (nil: no answer) and whether the binding survived (nil:
// unknown).
func judgeDeregisterSpoof(resp *sip.Message, stillBound *bool, wildcard bool) Outcome {
	what := "sipvet's binding"
	if wildcard {
		what = "every binding of the account (Contact: *)"
	}
	switch {
	case stillBound != nil && !*stillBound && resp != nil && resp.StatusCode < 300:
		return Vulnerable("an unauthenticated REGISTER from another source removed %s (%s): anyone can cut a user off from incoming calls", what, authStatus(resp))
	case stillBound != nil && !*stillBound:
		return Vulnerable("%s disappeared after an unauthenticated de-registration from another source (%s)", what, authStatus(resp))
	case resp == nil:
		return Inconclusive("no answer to the unauthenticated de-registration from source B")
	case resp.StatusCode == 401 || resp.StatusCode == 407:
		return Passed("the registrar challenged the unauthenticated de-registration (%s)", authStatus(resp))
	case resp.StatusCode == 403 || resp.StatusCode == 404:
		return Passed("the registrar refused the unauthenticated de-registration (%s)", authStatus(resp))
	case resp.StatusCode >= 200 && resp.StatusCode < 300 && stillBound != nil && *stillBound:
		return Passed("the registrar answered %s but kept the binding", authStatus(resp))
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return Vulnerable("the registrar accepted an unauthenticated de-registration from another source (%s); the binding could not be re-checked", authStatus(resp))
	}
	return Inconclusive("unexpected answer %s to the de-registration", authStatus(resp))
}
