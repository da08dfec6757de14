package scan_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// authIDs are the checks of the auth area (items 01, 03, 13, 14).
func authIDs() []string {
	return []string{
		"ipa01.deregister-spoof", "ipa03.cleartext-challenge", "ipa03.online-guess",
		"ipa13.server-identifiers", "ipa13.cseq-bump",
		"ipa14.foreign-nonce", "ipa14.nc-replay", "ipa14.nc-nonmonotonic", "ipa14.replay-other-dialog",
		"ipa14.username-mismatch", "ipa14.uri-mismatch", "ipa14.realm-mismatch", "ipa14.unchallenged-methods",
		"ipa14.qop-downgrade", "ipa14.md5-only",
	}
}

// authScan runs the auth checks against tg with the test account and the
// bruteforce opt-in (a short built-in candidate list plus the wordlist).
func authScan(t *testing.T, tg, user, pass, other string, wordlist []string) map[string]finding.Result {
	t.Helper()
	tt, err := target.Parse(tg)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := check.Select(check.All(), authIDs())
	if err != nil {
		t.Fatal(err)
	}
	tm := transport.DefaultTimers()
	tm.T1 = 100 * time.Millisecond
	tm.Timeout = 2 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	rs, err := scan.Run(ctx, scan.Config{Targets: []target.Target{tt}, Checks: checks, Timers: tm, Rate: 400,
		User: user, Password: pass, OtherUser: other, Allow: []string{check.AllowBruteforce},
		Wordlist: wordlist, GuessLimit: 40, CheckTimeout: 60 * time.Second})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	out := map[string]finding.Result{}
	for _, r := range rs {
		out[r.Check] = r
	}
	return out
}

func assertVerdicts(t *testing.T, where string, got map[string]finding.Result, want map[string]finding.Verdict) {
	t.Helper()
	for id, w := range want {
		r, ok := got[id]
		if !ok {
			t.Errorf("%s %s: no result", where, id)
			continue
		}
		if r.Verdict != w {
			t.Errorf("%s %s: verdict %s (%s), want %s", where, id, r.Verdict, r.Summary, w)
		}
	}
	if testing.Verbose() {
		for _, id := range authIDs() {
			if r, ok := got[id]; ok {
				t.Logf("%s %-28s %-15s %s", where, id, r.Verdict, r.Summary)
			}
		}
	}
}

// TestKamailioAuthVerdicts runs every auth check against the PERMISSIVE and
// STRICT kamailio variants (testdata/kamailio.cfg). Each expected verdict
// is explained by the configuration in the comment next to it.
func TestKamailioAuthVerdicts(t *testing.T) {
	users := peertest.KamailioUsers()
	alice, bob := users[0], users[1]
	// The wordlist holds the password at position 12: PERMISSIVE lets the
	// guessing reach it, STRICT blocks the source after 5 failures.
	words := []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11", alice.Password}
	cases := []struct {
		name   string
		define string
		want   map[string]finding.Verdict
	}{
		{"permissive", peertest.KamailioPermissive, map[string]finding.Verdict{
			// Both variants require digest for REGISTER, so an unauthenticated
			// de-registration is challenged (the open variant is tested below).
			"ipa01.deregister-spoof": finding.NotVulnerable,
			// Challenges go over UDP/TCP in both variants: informational, a
			// not-vulnerable verdict with cleartext=true (kamailio here has
			// no TLS, so no variant shows the TLS case).
			"ipa03.cleartext-challenge": finding.NotVulnerable,
			// No failure counting, no pike: the 12th guess finds the password.
			"ipa03.online-guess": finding.Vulnerable,
			// Nonces repeat for a whole second (no one_time_nonce): 195 of
			// 200 are duplicates.
			"ipa13.server-identifiers": finding.Vulnerable,
			// The spoofed high-CSeq REGISTER is challenged and never saved.
			"ipa13.cseq-bump": finding.NotVulnerable,
			// Nonces are checked against kamailio's secret in both variants.
			"ipa14.foreign-nonce": finding.NotVulnerable,
			// nonce_count 0, one_time_nonce 0: a nonce is reusable until it
			// expires (nonce_expire 3600).
			"ipa14.nc-replay":       finding.Vulnerable,
			"ipa14.nc-nonmonotonic": finding.Vulnerable,
			// auth_checks_register 0: nonces are not bound to Call-ID/From-tag.
			"ipa14.replay-other-dialog": finding.Vulnerable,
			// auth_check flags 0: the Authorization user is not compared with To.
			"ipa14.username-mismatch": finding.Vulnerable,
			// kamailio does not compare the digest uri with the Request-URI
			// unless the config does (STRICT does, with $adu).
			"ipa14.uri-mismatch": finding.Vulnerable,
			// auth_check("$ar"): the realm the client sends is trusted.
			"ipa14.realm-mismatch": finding.Vulnerable,
			// MESSAGE/SUBSCRIBE/REFER skip route[AUTH] and reach lookup (480).
			"ipa14.unchallenged-methods": finding.Vulnerable,
			// kamailio accepts an RFC 2069 answer although qop was offered.
			"ipa14.qop-downgrade": finding.Vulnerable,
			// Default algorithm: MD5 only (informational).
			"ipa14.md5-only": finding.Vulnerable,
		}},
		{"strict", peertest.KamailioStrict, map[string]finding.Verdict{
			"ipa01.deregister-spoof":    finding.NotVulnerable,
			"ipa03.cleartext-challenge": finding.NotVulnerable,
			// htable authfail: 5 wrong passwords from one source → 403.
			"ipa03.online-guess": finding.NotVulnerable,
			// Nonces and branches pass; sl's stateless To-tag (a constant
			// MD5 plus a CRC32 of the request) estimates ≈22 bits, which 200
			// samples cannot tell from a random 32-bit tag: inconclusive,
			// not a guess either way.
			"ipa13.server-identifiers": finding.Inconclusive,
			"ipa13.cseq-bump":          finding.NotVulnerable,
			"ipa14.foreign-nonce":      finding.NotVulnerable,
			// one_time_nonce 1 (+ nonce_count 1): a used nonce is re-challenged.
			"ipa14.nc-replay":       finding.NotVulnerable,
			"ipa14.nc-nonmonotonic": finding.NotVulnerable,
			// one_time_nonce and auth_checks_register 7 (IP, Call-ID, From-tag).
			"ipa14.replay-other-dialog": finding.NotVulnerable,
			// auth_check flags 1: the user must match To → 403.
			"ipa14.username-mismatch": finding.NotVulnerable,
			// $adu != $ru → 400.
			"ipa14.uri-mismatch": finding.NotVulnerable,
			// auth_check("$fd"): credentials for another realm are not found.
			"ipa14.realm-mismatch": finding.NotVulnerable,
			// route[AUTH] runs for every method.
			"ipa14.unchallenged-methods": finding.NotVulnerable,
			// Credentials without qop= are re-challenged by the config.
			"ipa14.qop-downgrade": finding.NotVulnerable,
			// modparam("auth", "algorithm", "SHA-256").
			"ipa14.md5-only": finding.NotVulnerable,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := peertest.Kamailio(t, c.define)
			tg := fmt.Sprintf("udp://127.0.0.1:%d", port)
			got := authScan(t, tg, alice.Name, alice.Password, bob.Name, words)
			assertVerdicts(t, c.name, got, c.want)
		})
	}
}

// TestKamailioOpenDeregister: the open variant (no defines) saves any
// REGISTER without authentication, so the spoofed de-registration from
// source B removes the binding and the high-CSeq spoof is saved (the
// account's next refresh is then refused: ipa13.cseq-bump vulnerable).
func TestKamailioOpenDeregister(t *testing.T) {
	port := peertest.Kamailio(t)
	tg := fmt.Sprintf("udp://127.0.0.1:%d", port)
	got := authScan(t, tg, "alice", "wonderland", "", nil)
	assertVerdicts(t, "open", got, map[string]finding.Verdict{
		"ipa01.deregister-spoof": finding.Vulnerable,
		"ipa13.cseq-bump":        finding.Vulnerable,
	})
}

// TestLabAuthVerdicts runs the auth checks against the embedded lab: every
// check is vulnerable on the vulnerable profile (flags noted) and none is on
// the hardened one.
func TestLabAuthVerdicts(t *testing.T) {
	cases := []struct {
		profile string
		want    map[string]finding.Verdict
	}{
		{lab.ProfileVulnerable, map[string]finding.Verdict{
			// 01.register-noauth: the spoofed de-registration is accepted.
			"ipa01.deregister-spoof": finding.Vulnerable,
			// REGISTER is not challenged at all (01.register-noauth).
			"ipa03.cleartext-challenge": finding.NotApplicable,
			"ipa03.online-guess":        finding.NotApplicable,
			// 13.predictable-ids: To-tags are a counter.
			"ipa13.server-identifiers": finding.Vulnerable,
			// 01.register-noauth + 13.cseq-bump: the spoofed CSeq is stored.
			"ipa13.cseq-bump": finding.Vulnerable,
			// The REGISTER query is served without a challenge, so the
			// digest checks have nothing to test on this profile …
			"ipa14.nc-replay": finding.NotApplicable,
			// … except the one that sends other methods (14.unchallenged-methods).
			"ipa14.unchallenged-methods": finding.Vulnerable,
		}},
		{lab.ProfileHardened, map[string]finding.Verdict{
			"ipa01.deregister-spoof":     finding.NotVulnerable,
			"ipa03.cleartext-challenge":  finding.NotVulnerable, // informational: cleartext=true in the data
			"ipa03.online-guess":         finding.NotVulnerable,
			"ipa13.server-identifiers":   finding.NotVulnerable,
			"ipa13.cseq-bump":            finding.NotVulnerable,
			"ipa14.foreign-nonce":        finding.NotVulnerable,
			"ipa14.nc-replay":            finding.NotVulnerable,
			"ipa14.nc-nonmonotonic":      finding.NotVulnerable,
			"ipa14.replay-other-dialog":  finding.NotVulnerable,
			"ipa14.username-mismatch":    finding.NotVulnerable,
			"ipa14.uri-mismatch":         finding.NotVulnerable,
			"ipa14.realm-mismatch":       finding.NotVulnerable,
			"ipa14.unchallenged-methods": finding.NotVulnerable,
			"ipa14.qop-downgrade":        finding.NotVulnerable,
			"ipa14.md5-only":             finding.NotVulnerable,
		}},
	}
	for _, c := range cases {
		t.Run(c.profile, func(t *testing.T) {
			l := siptest.StartLab(t, lab.Options{Profile: c.profile})
			got := authScan(t, l.Targets()[0], "alice", "wonderland", "bob", nil)
			assertVerdicts(t, c.profile, got, c.want)
		})
	}
	// The digest flaws need a lab that challenges REGISTER: hardened with
	// the item-14 and guessing flags switched on.
	t.Run("hardened+14+03", func(t *testing.T) {
		l := siptest.StartLab(t, lab.Options{Profile: lab.ProfileHardened, Vulns: []string{"14", "03", "13.predictable-ids"}})
		got := authScan(t, l.Targets()[0], "alice", "wonderland", "bob", nil)
		assertVerdicts(t, "hardened+14+03", got, map[string]finding.Verdict{
			"ipa03.online-guess":         finding.Vulnerable, // 03.online-guess: no lockout
			"ipa13.server-identifiers":   finding.Vulnerable, // counter To-tags and nonces
			"ipa14.foreign-nonce":        finding.Vulnerable,
			"ipa14.nc-replay":            finding.Vulnerable,
			"ipa14.nc-nonmonotonic":      finding.Vulnerable,
			"ipa14.replay-other-dialog":  finding.Vulnerable, // 14.nc-replay
			"ipa14.username-mismatch":    finding.Vulnerable, // 14.user-mismatch
			"ipa14.uri-mismatch":         finding.Vulnerable,
			"ipa14.realm-mismatch":       finding.Vulnerable,
			"ipa14.unchallenged-methods": finding.Vulnerable,
			"ipa14.qop-downgrade":        finding.Vulnerable,
			"ipa14.md5-only":             finding.Vulnerable,
		})
	})
}
