package check

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// registerNoAuth is ipa01.register-noauth: does the registrar accept a
// REGISTER binding without credentials (survey item 1, REGISTER spoofing)?
type registerNoAuth struct{}

func (registerNoAuth) Info() Info {
	return Info{
		ID:      "ipa01.register-noauth",
		Item:    1,
		TitleEN: "REGISTER binding accepted without credentials",
		TitleJA: "認証なしの REGISTER による登録の受理",
		Modes:   []Mode{ModeScan},
		Roles:   []Role{RoleRegistrar},
	}
}

func (registerNoAuth) Run(ctx context.Context, env *Env) (Outcome, error) {
	c, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa01.register-noauth: %w", err)
	}
	defer c.Close()
	user := env.User
	if user == "" {
		user = "sipvet" + sip.NewTag(env.Rand)[:8]
	}
	domain := env.Target.HostPort()
	aor := uriFor(env.Target, user, domain)
	d := env.newDialog()
	req := env.request(c, d, "REGISTER", uriFor(env.Target, "", domain), user, aor)
	req.Set("Expires", "60")
	res, err := env.transact(ctx, c, req)
	if err != nil {
		if errors.Is(err, transport.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
			return Inconclusive("no final response to an unauthenticated REGISTER for %s", aor), nil
		}
		return Outcome{}, fmt.Errorf("ipa01.register-noauth: %w", err)
	}
	out := judgeRegisterNoAuth(res.Final, env.User != "")
	out.Data = map[string]any{"aor": aor, "status": res.Final.StatusCode}
	if out.Verdict == "vulnerable" {
		// Remove the binding we created (SPEC §3: clean up).
		un := env.request(c, d, "REGISTER", req.RequestURI, user, aor)
		un.Set("Contact", req.Get("Contact")+";expires=0")
		un.Set("Expires", "0")
		if r2, err := env.transact(ctx, c, un); err != nil {
			out.Data["cleanup"] = "failed: " + err.Error()
		} else {
			out.Data["cleanup"] = fmt.Sprintf("binding removed (%d %s)", r2.Final.StatusCode, r2.Final.Reason)
		}
	}
	return out, nil
}

// judgeRegisterNoAuth decides from the final response to an unauthenticated
// REGISTER. userGiven says whether the AOR is a known account (--user).
func judgeRegisterNoAuth(resp *sip.Message, userGiven bool) Outcome {
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return Vulnerable("the registrar accepted an unauthenticated REGISTER (%d %s): anyone can bind this AOR to their own Contact and receive its calls", code, resp.Reason)
	case code == 401 || code == 407:
		return Passed("the registrar challenged the unauthenticated REGISTER (%d %s)", code, resp.Reason)
	case code == 403:
		return Passed("the registrar refused the unauthenticated REGISTER (%d %s)", code, resp.Reason)
	case code == 404 || code == 604:
		if userGiven {
			return Passed("the registrar refused the REGISTER for the given account (%d %s)", code, resp.Reason)
		}
		return Inconclusive("the registrar does not know the probe AOR (%d %s); pass --user with an existing account to test a real one", code, resp.Reason)
	case code == 405 || code == 501:
		return NotApplicable("the target does not act as a registrar (%d %s)", code, resp.Reason)
	}
	return Inconclusive("unexpected final response %d %s to REGISTER", code, resp.Reason)
}
