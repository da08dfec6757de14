// Package harness is sipvet's device harness (SPEC §5, mode "harness"): sipvet
// acts as registrar and proxy for a device under test (DUT), so that it can
// test the DUT's client side — how it treats responses, redirects, TLS
// certificates and requests from foreign sources, and how predictable the
// identifiers it generates are.
//
// The harness listens on the addresses the user gives (udp, tcp, tls). The
// DUT registers to it; then each selected check asks the DUT to do something
// ("dial 2001", "connect over TLS") through a Driver — a person reading
// prompts, or an automatable DUT such as baresip driven over its control
// interface — and watches what the DUT sends back. Every wait is bounded.
//
// Safety: the harness sends only to the address the DUT registered from, and
// it ends every call it set up (BYE, CANCEL or a final error response).
package harness

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// The check ids of the harness (results contract, SPEC §4).
const (
	IDResponseForeignSource = "ipa02.response-foreign-source"
	IDResponseWrongBranch   = "ipa02.response-wrong-branch"
	IDRedirectFollowed      = "ipa02.redirect-followed"
	IDTLSDowngrade          = "ipa05.tls-downgrade"
	IDClientIdentifiers     = "ipa13.client-identifiers"
	IDForeignSourceInvite   = "ipa15.foreign-source-invite"
	IDClientAcceptsBadCert  = "ipa20.client-accepts-bad-cert"
)

// Errors callers may match with errors.Is.
var (
	// ErrConfig is wrapped when the configuration cannot work.
	ErrConfig = errors.New("harness: bad configuration")
	// ErrOutOfScope is wrapped when a send to an address other than the
	// DUT's is refused.
	ErrOutOfScope = errors.New("harness: destination is not the device under test")
)

// CheckInfo describes one harness check.
type CheckInfo struct {
	ID               string
	Item             int
	TitleEN, TitleJA string
	// Needs names the listener transport the check needs ("" = udp or tcp).
	Needs string
}

// Checks returns the harness checks in item order.
func Checks() []CheckInfo {
	return []CheckInfo{
		{IDResponseForeignSource, 2, "DUT accepts a 200 OK sent from a foreign source", "外部送信元からの 200 OK を受理する", ""},
		{IDResponseWrongBranch, 2, "DUT accepts a 200 OK with a wrong Via branch", "Via branch が一致しない 200 OK を受理する", ""},
		{IDRedirectFollowed, 2, "DUT follows a 302 redirect to a third party silently", "第三者への 302 リダイレクトに黙って従う", ""},
		{IDTLSDowngrade, 5, "DUT falls back to cleartext when its TLS connection is reset", "TLS 接続をリセットされると平文にフォールバックする", "tls"},
		{IDClientIdentifiers, 13, "DUT generates predictable Call-IDs, tags, branches or cnonces", "DUT が推測可能な Call-ID・タグ・branch・cnonce を生成する", ""},
		{IDForeignSourceInvite, 15, "DUT answers an INVITE from a source other than its registrar", "レジストラ以外の送信元からの INVITE に応答する", ""},
		{IDClientAcceptsBadCert, 20, "DUT accepts an invalid TLS server certificate", "不正な TLS サーバ証明書を受け入れる", "tls"},
	}
}

// Config configures a harness run.
type Config struct {
	// Listen lists where the harness listens: udp (required for most
	// checks), tcp, tls.
	Listen []target.Target
	// Checks lists the ids to run, in any order; empty runs all.
	Checks []string
	// Timeout bounds the whole run (default 10 minutes).
	Timeout time.Duration
	// StepTimeout bounds each wait for the DUT to act (default 60 s).
	StepTimeout time.Duration
	// Window is how long the harness watches for a reaction after a
	// stimulus (default 4 s).
	Window time.Duration
	// SourceB is the local IP of the foreign source (default 127.0.0.2
	// when the harness listens on loopback IPv4).
	SourceB string
	// Driver asks the DUT to act; nil prints prompts to Prompts.
	Driver Driver
	// Prompts receives the instructions for the user (stderr).
	Prompts io.Writer
	// Calls is the most extra short calls ipa13 asks for (default 100).
	Calls int
	// CA signs the harness's certificates; nil generates one for this run.
	CA *CA
	// TLSName is the name the DUT uses for the harness (default the tls
	// listen host); the valid and expired certificates carry it.
	TLSName string
	// NoAuth disables digest challenges (the registrar then accepts every
	// REGISTER at once; ipa13 sees no cnonces).
	NoAuth bool
	// Timers are the SIP timers of the harness's own transactions.
	Timers transport.Timers
	// Rand is the source of identifiers; Now the clock.
	Rand io.Reader
	Now  func() time.Time
	// Log receives debug output (nil: discard).
	Log *slog.Logger
	// Observers see every message (e.g. the pcapng evidence writer).
	Observers []transport.Observer
	// OnResult is called with each result as soon as it exists.
	OnResult func(finding.Result)
	// UserAgent is the Server header of the harness.
	UserAgent string
	// Ready, when set, is called once the listeners are up.
	Ready func()
}

// Report is what a run produced.
type Report struct {
	// DUT is the device's address as a target URI ("udp://ip:port"), or
	// "dut:unregistered" when it never registered.
	DUT string
	// Results holds one result per selected check.
	Results []finding.Result
}

func (c *Config) defaults() error {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Minute
	}
	if c.StepTimeout <= 0 {
		c.StepTimeout = 60 * time.Second
	}
	if c.Window <= 0 {
		c.Window = 4 * time.Second
	}
	if c.Calls <= 0 {
		c.Calls = identSamples
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Prompts == nil {
		c.Prompts = io.Discard
	}
	if c.Timers.T1 <= 0 {
		c.Timers = transport.DefaultTimers()
	}
	if c.Timers.Timeout <= 0 {
		c.Timers.Timeout = 64 * c.Timers.T1
	}
	if c.UserAgent == "" {
		c.UserAgent = "sipvet-harness"
	}
	if c.Driver == nil {
		c.Driver = Manual{}
	}
	if len(c.Listen) == 0 {
		return fmt.Errorf("%w: no --listen address", ErrConfig)
	}
	for _, l := range c.Listen {
		switch l.Transport {
		case "udp", "tcp", "tls":
		default:
			return fmt.Errorf("%w: cannot listen on %s (want udp, tcp or tls)", ErrConfig, l.Transport)
		}
	}
	known := map[string]bool{}
	for _, ci := range Checks() {
		known[ci.ID] = true
	}
	for _, id := range c.Checks {
		if !known[id] {
			return fmt.Errorf("%w: unknown harness check %q", ErrConfig, id)
		}
	}
	return nil
}

// Select returns the ids of the harness checks matching patterns: exact ids,
// items ("ipa02", "2", "02"), globs ("ipa02.*") or "all". It returns an
// error naming a pattern that matches nothing.
func Select(patterns []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		matched := false
		for _, ci := range Checks() {
			if matchID(ci, p) {
				matched = true
				if !seen[ci.ID] {
					seen[ci.ID] = true
				}
			}
		}
		if !matched {
			return nil, fmt.Errorf("harness: no harness check matches %q (harness checks: %s)", p, strings.Join(ids(), ", "))
		}
	}
	for _, ci := range Checks() {
		if seen[ci.ID] || len(patterns) == 0 {
			out = append(out, ci.ID)
		}
	}
	return out, nil
}

func ids() []string {
	var out []string
	for _, ci := range Checks() {
		out = append(out, ci.ID)
	}
	return out
}

func matchID(ci CheckInfo, p string) bool {
	if p == ci.ID || p == "all" || p == "*" {
		return true
	}
	item := fmt.Sprintf("ipa%02d", ci.Item)
	if p == item || p == fmt.Sprintf("%d", ci.Item) || p == fmt.Sprintf("%02d", ci.Item) {
		return true
	}
	if strings.HasSuffix(p, "*") && strings.HasPrefix(ci.ID, strings.TrimSuffix(p, "*")) {
		return true
	}
	return false
}

// outcome is a check's conclusion before it becomes a finding.Result.
type outcome struct {
	verdict finding.Verdict
	summary string
	reason  string
	data    map[string]any
}

func vulnerable(format string, a ...any) outcome {
	return outcome{verdict: finding.Vulnerable, summary: fmt.Sprintf(format, a...)}
}

func passed(format string, a ...any) outcome {
	return outcome{verdict: finding.NotVulnerable, summary: fmt.Sprintf(format, a...)}
}

func inconclusive(format string, a ...any) outcome {
	r := fmt.Sprintf(format, a...)
	return outcome{verdict: finding.Inconclusive, summary: "could not decide: " + r, reason: r}
}

func notApplicable(format string, a ...any) outcome {
	r := fmt.Sprintf(format, a...)
	return outcome{verdict: finding.NotApplicable, summary: "not applicable: " + r, reason: r}
}

// result turns an outcome into a finding.Result with the item's CVSS.
func result(ci CheckInfo, dut string, o outcome, ev []finding.Evidence, started, finished time.Time) finding.Result {
	r := finding.Result{Item: ci.Item, Check: ci.ID, Target: dut, Verdict: o.verdict, Summary: o.summary,
		Reason: o.reason, Severity: finding.Info, Evidence: ev, Data: o.data, Started: &started, Finished: &finished}
	if r.Evidence == nil {
		r.Evidence = []finding.Evidence{}
	}
	if r.Data == nil {
		r.Data = map[string]any{}
	}
	if it, ok := kb.Get(ci.Item); ok {
		if it.CVSS2 != nil {
			p := it.CVSS2.Published
			r.CVSS2 = &finding.CVSS{Vector: it.CVSS2.Vector, Score: it.CVSS2.Score, Published: &p}
		}
		if it.CVSS3.Vector != "" {
			r.CVSS3 = &finding.CVSS{Vector: it.CVSS3.Vector, Score: it.CVSS3.Score}
		}
	}
	if r.Verdict == finding.Vulnerable {
		r.Severity = finding.Medium
		if r.CVSS3 != nil {
			r.Severity = finding.SeverityForScore(r.CVSS3.Score)
		}
	}
	return r
}
