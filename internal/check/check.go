// Package check holds sipvet's active vulnerability checks and their
// registry. Each check is a small probe that does its I/O through Env and a
// pure judge function that turns what it saw into a verdict, so that verdict
// logic is table-tested from saved exchanges without a network.
package check

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// Mode is a way sipvet meets a target (SPEC §5).
type Mode string

// The modes of SPEC §5.
const (
	ModeScan    Mode = "scan"
	ModeHarness Mode = "harness"
	ModePcap    Mode = "pcap"
	ModeFuzz    Mode = "fuzz"
	ModeEnum    Mode = "enum"
	ModeCrack   Mode = "crack"
)

// Role is the kind of SIP element a check applies to.
type Role string

// Target roles.
const (
	RoleRegistrar Role = "registrar"
	RoleProxy     Role = "proxy"
	RoleUA        Role = "ua"
	RoleAny       Role = "any"
)

// Opt-in names accepted by --allow (SPEC §3).
const (
	AllowDoS        = "dos"
	AllowBruteforce = "bruteforce"
	AllowDisruptive = "disruptive"
	AllowSNMPWrite  = "snmp-write"
	AllowReboot     = "reboot"
	AllowFuzz       = "fuzz"
)

// AllowNames lists every opt-in name.
func AllowNames() []string {
	return []string{AllowDoS, AllowBruteforce, AllowDisruptive, AllowSNMPWrite, AllowReboot, AllowFuzz}
}

// Info describes a check: what it covers and what it needs.
type Info struct {
	// ID is the stable check id of the results contract, e.g. "ipa01.register-noauth".
	ID string
	// Item is the survey item number (1–22).
	Item int
	// TitleEN and TitleJA name the check.
	TitleEN, TitleJA string
	// Modes lists where the check runs.
	Modes []Mode
	// Roles lists the kinds of target the check applies to.
	Roles []Role
	// Allow names the opt-in the check needs ("" when it runs by default).
	Allow string
	// NeedsCredentials is true when the check needs --user/--password.
	NeedsCredentials bool
	// Disruptive is true when the check can harm the target; the engine
	// probes liveness after it.
	Disruptive bool
	// Severity overrides the item's severity for vulnerable results
	// (e.g. info for informational checks); empty uses the item's CVSS v3.1.
	Severity finding.Severity
}

// Title returns the check title in lang.
func (i Info) Title(lang string) string {
	if lang == "ja" && i.TitleJA != "" {
		return i.TitleJA
	}
	return i.TitleEN
}

// HasMode reports whether the check runs in mode m.
func (i Info) HasMode(m Mode) bool {
	for _, x := range i.Modes {
		if x == m {
			return true
		}
	}
	return false
}

// Outcome is what a check concluded. Verdicts are values, not errors.
type Outcome struct {
	Verdict finding.Verdict
	// Severity overrides Info.Severity and the item's severity when set.
	Severity finding.Severity
	// Summary is one sentence: what was observed.
	Summary string
	// Reason explains inconclusive, skipped and not-applicable outcomes.
	Reason string
	// Data holds check-specific results under stable keys.
	Data map[string]any
}

// Vulnerable returns a vulnerable outcome.
func Vulnerable(format string, a ...any) Outcome {
	return Outcome{Verdict: finding.Vulnerable, Summary: fmt.Sprintf(format, a...)}
}

// Passed returns a not-vulnerable outcome.
func Passed(format string, a ...any) Outcome {
	return Outcome{Verdict: finding.NotVulnerable, Summary: fmt.Sprintf(format, a...)}
}

// Inconclusive returns an inconclusive outcome with its reason.
func Inconclusive(format string, a ...any) Outcome {
	r := fmt.Sprintf(format, a...)
	return Outcome{Verdict: finding.Inconclusive, Summary: "could not decide: " + r, Reason: r}
}

// NotApplicable returns a not-applicable outcome with its reason.
func NotApplicable(format string, a ...any) Outcome {
	r := fmt.Sprintf(format, a...)
	return Outcome{Verdict: finding.NotApplicable, Summary: "not applicable: " + r, Reason: r}
}

// SkippedOutcome returns a skipped outcome with its reason.
func SkippedOutcome(format string, a ...any) Outcome {
	r := fmt.Sprintf(format, a...)
	return Outcome{Verdict: finding.Skipped, Summary: "skipped: " + r, Reason: r}
}

// Dialer opens transport connections for a check. The engine's dialer
// records evidence and applies the rate limit and the scope guard; checks
// never open sockets themselves.
type Dialer interface {
	// Dial connects to t from the local address local ("" = default source).
	Dial(ctx context.Context, t target.Target, local string) (transport.Conn, error)
}

// Env is everything a check may use. The engine builds one per check × target.
type Env struct {
	// Target is the target under test.
	Target target.Target
	// Dialer opens connections (to Target, or to other addresses in scope).
	Dialer Dialer
	// User and Password are the test account (empty when not given).
	User, Password string
	// Allowed reports whether the user opted in to a disruptive class.
	Allowed func(name string) bool
	// SourceB is a second local address the target has no reason to trust
	// (e.g. 127.0.0.2 on loopback).
	SourceB string
	// Timers are the SIP transaction timers (shortened in tests).
	Timers transport.Timers
	// Rand is the source of identifiers; Now the clock.
	Rand io.Reader
	Now  func() time.Time
	// Log receives debug output; never nil.
	Log *slog.Logger
	// UserAgent is the User-Agent sipvet sends.
	UserAgent string
	// Reveal disables masking of recovered secrets.
	Reveal bool
	// Infra configures the infrastructure checks (items 17–20): extra
	// ports, MAC addresses, credentials (see InfraOptions).
	Infra InfraOptions
	// Wordlist and GuessMask are the candidate passwords of online guessing
	// (ipa03.online-guess); GuessLimit bounds the attempts (0 = default).
	Wordlist   []string
	GuessMask  string
	GuessLimit int
	// OtherUser is a second existing account name for cross-account checks
	// (ipa14.username-mismatch); it is never modified.
	OtherUser string
	// MediaRelay is the media relay the user named (--media-relay) for the
	// relay checks (ipa09.rtp-bleed, ipa16.media-after-bye,
	// ipa16.rtp-without-session); zero when none.
	MediaRelay MediaRelay
}

// Mask masks a secret unless Reveal is set.
func (e *Env) Mask(s string) string {
	if e.Reveal {
		return s
	}
	return finding.Mask(s)
}

// Check is one vulnerability check.
//
// Run must honour ctx, send only through env.Dialer, remove anything it
// created on the target, and return an Outcome; an error means the check
// could not run at all (the engine records it as inconclusive).
type Check interface {
	Info() Info
	Run(ctx context.Context, env *Env) (Outcome, error)
}

// All returns every check in item order. The list is explicit, not filled by
// init side effects: each area keeps its own list (server checks, UA and
// media checks, infrastructure checks) and All merges them by item number.
func All() []Check {
	var all []Check
	for _, group := range [][]Check{
		serverChecks(),
		uaChecks(),
		authChecks(),
		infraChecks(),
		server2Checks(),
	} {
		all = append(all, group...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Info().Item < all[j].Info().Item })
	return all
}

// Select returns the checks whose id matches any of the patterns, keeping
// registry order. A pattern is an exact id ("ipa01.register-noauth"), an item
// ("ipa01", "1", "01") or a glob ("ipa14.*"); an empty pattern list selects all.
// It returns an error naming a pattern that matches nothing.
func Select(all []Check, patterns []string) ([]Check, error) {
	if len(patterns) == 0 {
		return all, nil
	}
	var out []Check
	seen := map[string]bool{}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		matched := false
		for _, c := range all {
			if matchID(c.Info(), p) {
				matched = true
				if !seen[c.Info().ID] {
					seen[c.Info().ID] = true
					out = append(out, c)
				}
			}
		}
		if !matched {
			return nil, fmt.Errorf("check: no check matches %q (see 'sipvet items' for check ids)", p)
		}
	}
	// keep registry order
	ordered := make([]Check, 0, len(out))
	for _, c := range all {
		if seen[c.Info().ID] {
			ordered = append(ordered, c)
		}
	}
	return ordered, nil
}

func matchID(info Info, p string) bool {
	if p == info.ID || p == "all" || p == "*" {
		return true
	}
	item := fmt.Sprintf("ipa%02d", info.Item)
	if p == item || p == fmt.Sprintf("%d", info.Item) || p == fmt.Sprintf("%02d", info.Item) {
		return true
	}
	ok, err := path.Match(p, info.ID)
	return err == nil && ok
}

// ForItem returns the ids of the checks of item n.
func ForItem(all []Check, n int) []string {
	var ids []string
	for _, c := range all {
		if c.Info().Item == n {
			ids = append(ids, c.Info().ID)
		}
	}
	return ids
}
