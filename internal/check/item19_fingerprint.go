package check

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/transport"
)

// fingerprint is ipa19.fingerprint: what does the target tell an anonymous
// OPTIONS about itself (survey item 19, ID and configuration harvesting)?
type fingerprint struct{}

func (fingerprint) Info() Info {
	return Info{
		ID:       "ipa19.fingerprint",
		Item:     19,
		TitleEN:  "Product and version disclosed to an anonymous OPTIONS",
		TitleJA:  "匿名の OPTIONS に対する製品名・バージョンの開示",
		Modes:    []Mode{ModeScan, ModeEnum},
		Roles:    []Role{RoleAny},
		Severity: finding.Low,
	}
}

func (fingerprint) Run(ctx context.Context, env *Env) (Outcome, error) {
	c, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa19.fingerprint: %w", err)
	}
	defer c.Close()
	d := env.newDialog()
	ruri := uriFor(env.Target, "", env.Target.HostPort())
	req := env.request(c, d, "OPTIONS", ruri, "", ruri)
	req.Set("Accept", "application/sdp")
	res, err := env.transact(ctx, c, req)
	if err != nil {
		if errors.Is(err, transport.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
			return Inconclusive("no final response to OPTIONS"), nil
		}
		return Outcome{}, fmt.Errorf("ipa19.fingerprint: %w", err)
	}
	return judgeFingerprint(res.Final), nil
}

// Fingerprint is what a response tells about the product behind it.
type Fingerprint struct {
	Server, UserAgent string
	Allow, Supported  []string
	Accept            []string
	Product, Version  string
	Status            int
}

type productRule struct {
	name string
	re   *regexp.Regexp
}

// productRules recognises common SIP products from Server/User-Agent.
func productRules() []productRule {
	r := func(name, expr string) productRule { return productRule{name, regexp.MustCompile(expr)} }
	return []productRule{
		r("Kamailio", `(?i)kamailio\s*\(?v?([0-9][0-9.]*)?`),
		r("OpenSIPS", `(?i)opensips\s*\(?v?([0-9][0-9.]*)?`),
		r("Asterisk", `(?i)asterisk(?:\s*pbx)?\s*v?([0-9][0-9.a-z-]*)?`),
		r("FreeSWITCH", `(?i)freeswitch[-\s/]*(?:mod_sofia/)?([0-9][0-9.]*)?`),
		r("baresip", `(?i)baresip\s*v?([0-9][0-9.]*)?`),
		r("SIPp", `(?i)sipp\s*v?([0-9][0-9.]*)?`),
		r("sipvet lab", `(?i)sipvet-lab/?([0-9][0-9.a-z-]*)?`),
		r("Cisco", `(?i)cisco[-\s/]*(?:sip[-\s]*gateway|cp|ip[-\s]*phone)?[-\s/]*([0-9][0-9.()a-z]*)?`),
		r("Yealink", `(?i)yealink\s*(?:sip-)?[a-z0-9]*\s*([0-9][0-9.]*)?`),
		r("Grandstream", `(?i)grandstream\s*[a-z0-9]*\s*([0-9][0-9.]*)?`),
		r("Polycom", `(?i)(?:polycom|poly)[^0-9]*([0-9][0-9.]*)?`),
		r("Avaya", `(?i)avaya[^0-9]*([0-9][0-9.]*)?`),
		r("3CX", `(?i)3cx[^0-9]*([0-9][0-9.]*)?`),
		r("Linphone", `(?i)(?:linphone|belle-sip)\S*/?([0-9][0-9.]*)?`),
	}
}

// judgeFingerprint decides from any final response to OPTIONS: a product
// with a version in Server/User-Agent is a disclosure (low severity).
func judgeFingerprint(resp *sip.Message) Outcome {
	fp := Fingerprint{
		Server:    resp.Get("Server"),
		UserAgent: resp.Get("User-Agent"),
		Allow:     resp.GetAll("Allow"),
		Supported: resp.GetAll("Supported"),
		Accept:    resp.GetAll("Accept"),
		Status:    resp.StatusCode,
	}
	banner := strings.TrimSpace(fp.Server + " " + fp.UserAgent)
	for _, rule := range productRules() {
		if m := rule.re.FindStringSubmatch(banner); m != nil {
			fp.Product = rule.name
			if len(m) > 1 {
				fp.Version = strings.TrimRight(m[1], ".")
			}
			break
		}
	}
	if fp.Product == "" && banner != "" {
		if m := regexp.MustCompile(`([0-9]+\.[0-9]+(?:\.[0-9]+)*)`).FindString(banner); m != "" {
			fp.Product, fp.Version = "unknown", m
		}
	}
	data := map[string]any{
		"status":     fp.Status,
		"server":     fp.Server,
		"user_agent": fp.UserAgent,
		"allow":      nonNil(fp.Allow),
		"supported":  nonNil(fp.Supported),
		"product":    fp.Product,
		"version":    fp.Version,
	}
	var out Outcome
	switch {
	case fp.Version != "":
		out = Vulnerable("the target discloses its product and version to anyone: %q (%s %s)", banner, fp.Product, fp.Version)
	case banner != "":
		out = Passed("the target names itself (%q) but discloses no version", banner)
		out.Summary += fmt.Sprintf("; it answered %d", fp.Status)
	default:
		out = Passed("the target answered OPTIONS (%d) without Server or User-Agent", fp.Status)
	}
	if len(fp.Allow) > 0 {
		out.Summary += fmt.Sprintf("; Allow: %s", strings.Join(fp.Allow, ", "))
	}
	out.Data = data
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
