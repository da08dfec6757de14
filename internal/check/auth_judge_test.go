package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/ident"
	"github.com/sipvet/sipvet/internal/sip"
)

func loadLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func wantOutcome(t *testing.T, got Outcome, want finding.Verdict) {
	t.Helper()
	if got.Verdict != want {
		t.Errorf("verdict %s (%s), want %s", got.Verdict, got.Summary, want)
	}
	if got.Summary == "" {
		t.Error("empty summary")
	}
	if (got.Verdict == finding.Inconclusive || got.Verdict == finding.NotApplicable) && got.Reason == "" {
		t.Error("inconclusive/not-applicable without a reason")
	}
}

func TestJudgeCleartextChallenge(t *testing.T) {
	cases := []struct {
		file, transport string
		want            finding.Verdict
		severity        finding.Severity
	}{
		{"item03/kamailio-permissive-401.sip", "udp", finding.NotVulnerable, finding.Info},
		{"item03/kamailio-strict-401.sip", "tcp", finding.NotVulnerable, finding.Info},
		{"item03/kamailio-strict-401.sip", "tls", finding.NotVulnerable, ""},
		{"item03/proxy-407-noqop.sip", "ws", finding.NotVulnerable, finding.Info},
		{"item03/open-200.sip", "udp", finding.NotApplicable, ""},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.transport, func(t *testing.T) {
			got := judgeCleartextChallenge(c.transport, loadMsg(t, c.file))
			wantOutcome(t, got, c.want)
			if got.Severity != c.severity {
				t.Errorf("severity %q, want %q", got.Severity, c.severity)
			}
			cleartext := c.severity == finding.Info
			if got.Data["cleartext"] != cleartext || (cleartext && !strings.HasPrefix(got.Summary, "informational:")) {
				t.Errorf("cleartext %v, summary %q", got.Data["cleartext"], got.Summary)
			}
		})
	}
}

func TestAuthChallengeOfPrefersStrongest(t *testing.T) {
	ch := authChallengeOf(loadMsg(t, "item03/lab-hardened-401.sip"))
	if ch == nil || ch.Algorithm != "SHA-256" || len(ch.Offered) != 2 {
		t.Fatalf("challenge %+v", ch)
	}
	if ch := authChallengeOf(loadMsg(t, "item03/proxy-407-noqop.sip")); ch == nil || !ch.Proxy || ch.header() != "Proxy-Authorization" {
		t.Fatalf("proxy challenge %+v", ch)
	}
}

func TestJudgeOnlineGuess(t *testing.T) {
	cases := []struct {
		name string
		run  guessRun
		want finding.Verdict
	}{
		{"found", guessRun{User: "alice", Attempts: 12, Found: true, FoundAt: 12, Elapsed: time.Second}, finding.Vulnerable},
		{"found despite slowing", guessRun{User: "alice", Attempts: 30, Found: true, FoundAt: 30, Slowed: true, Elapsed: time.Second}, finding.Vulnerable},
		{"blocked", guessRun{User: "alice", Attempts: 5, Blocked: true, BlockedAt: 5, BlockedHow: "403", Elapsed: time.Second}, finding.NotVulnerable},
		{"slowed", guessRun{User: "alice", Attempts: 40, Slowed: true, BaselineMS: 1, MaxMS: 900, Elapsed: time.Second}, finding.NotVulnerable},
		{"unthrottled", guessRun{User: "alice", Attempts: 32, Elapsed: time.Second}, finding.Vulnerable},
		{"too few", guessRun{User: "alice", Attempts: 5, StopReason: "candidates exhausted", Elapsed: time.Second}, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := judgeOnlineGuess(c.run, "")
			wantOutcome(t, got, c.want)
			if _, ok := got.Data["password"]; ok {
				t.Error("the judge must not put the password into the data (the check masks it)")
			}
		})
	}
}

func TestExpandMask(t *testing.T) {
	got, err := expandMask("a?d", 3)
	if err != nil || strings.Join(got, ",") != "a0,a1,a2" {
		t.Errorf("a?d → %v %v", got, err)
	}
	got, _ = expandMask("?d?d", 1000)
	if len(got) != 100 || got[99] != "99" {
		t.Errorf("?d?d → %d candidates, last %q", len(got), got[len(got)-1])
	}
	if _, err := expandMask("?x", 1); err == nil {
		t.Error("unknown class accepted")
	}
	if got, _ := expandMask("??", 5); len(got) != 1 || got[0] != "?" {
		t.Errorf("?? → %v", got)
	}
}

func TestGuessCandidates(t *testing.T) {
	env := &Env{}
	c, src := guessCandidates(env, "1000", 5)
	if src != "built-in list" || len(c) != 5 || c[0] != "1000" {
		t.Errorf("built-in: %v %s", c, src)
	}
	env = &Env{Wordlist: []string{"x", "y"}, GuessMask: "?d"}
	c, src = guessCandidates(env, "1000", 4)
	if src != "wordlist+mask" || strings.Join(c, ",") != "x,y,0,1" {
		t.Errorf("wordlist+mask: %v %s", c, src)
	}
}

func TestJudgeIdentifiers(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  finding.Verdict
	}{
		// sl's To-tag: constant MD5 "." CRC32 of the request: 8 varying hex
		// characters, ≈22 bits by the estimator.
		{"kamailio permissive", map[string]string{"to-tag": "item13/kamailio-permissive-to-tags.txt", "nonce": "item13/kamailio-permissive-nonces.txt"}, finding.Vulnerable},
		{"kamailio strict", map[string]string{"to-tag": "item13/kamailio-strict-to-tags.txt", "nonce": "item13/kamailio-strict-nonces.txt"}, finding.Inconclusive},
		{"kamailio strict nonces only", map[string]string{"nonce": "item13/kamailio-strict-nonces.txt"}, finding.NotVulnerable},
		{"lab counter", map[string]string{"to-tag": "item13/lab-counter-to-tags.txt"}, finding.Vulnerable},
		{"lab random", map[string]string{"to-tag": "item13/lab-random-to-tags.txt", "nonce": "item13/lab-random-nonces.txt"}, finding.NotVulnerable},
		{"nothing", map[string]string{}, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var reps []ident.Report
			for kind, f := range c.files {
				reps = append(reps, ident.Analyze(kind, loadLines(t, f)))
			}
			got := judgeIdentifiers(reps)
			wantOutcome(t, got, c.want)
			if got.Data["thresholds"] == nil {
				t.Error("thresholds missing from the data")
			}
		})
	}
	// Permissive kamailio (no nonce_count/one_time_nonce) hands out the
	// same nonce for a whole second.
	rep := ident.Analyze("nonce", loadLines(t, "item13/kamailio-permissive-nonces.txt"))
	if rep.Duplicates == 0 {
		t.Errorf("permissive nonces: no duplicates found: %+v", rep)
	}
}

func TestJudgeCSeqBump(t *testing.T) {
	cases := []struct {
		spoof, refresh string
		want           finding.Verdict
	}{
		{"item13/spoof-200.sip", "item13/refresh-400-kamailio.sip", finding.Vulnerable},
		{"item13/spoof-401.sip", "item13/refresh-500-lab.sip", finding.Vulnerable},
		{"item13/spoof-401.sip", "item13/refresh-200.sip", finding.NotVulnerable},
		{"item13/spoof-200.sip", "item13/refresh-200.sip", finding.NotVulnerable},
		{"item13/spoof-401.sip", "item14/challenged-401.sip", finding.Inconclusive},
		{"item13/spoof-401.sip", "", finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.spoof+"+"+c.refresh, func(t *testing.T) {
			var refresh *sip.Message
			if c.refresh != "" {
				refresh = loadMsg(t, c.refresh)
			}
			wantOutcome(t, judgeCSeqBump(loadMsg(t, c.spoof), refresh), c.want)
		})
	}
}

func TestJudgeDeregisterSpoof(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name  string
		file  string
		still *bool
		want  finding.Verdict
	}{
		{"removed", "item14/accepted-200.sip", &no, finding.Vulnerable},
		{"accepted, unknown", "item14/accepted-200.sip", nil, finding.Vulnerable},
		{"accepted but kept", "item14/accepted-200.sip", &yes, finding.NotVulnerable},
		{"challenged", "item14/challenged-401.sip", &yes, finding.NotVulnerable},
		{"refused", "item14/refused-403.sip", &yes, finding.NotVulnerable},
		{"no answer", "", &yes, finding.Inconclusive},
		{"server error", "item14/error-500.sip", &yes, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m *sip.Message
			if c.file != "" {
				m = loadMsg(t, c.file)
			}
			wantOutcome(t, judgeDeregisterSpoof(m, c.still, false), c.want)
		})
	}
}

func TestJudgeDigestAbuse(t *testing.T) {
	cases := []struct {
		id, file string
		want     finding.Verdict
	}{
		{"ipa14.nc-replay", "item14/accepted-200.sip", finding.Vulnerable},
		{"ipa14.foreign-nonce", "item14/challenged-401.sip", finding.NotVulnerable},
		{"ipa14.uri-mismatch", "item14/bad-uri-400.sip", finding.NotVulnerable},
		{"ipa14.username-mismatch", "item14/refused-403.sip", finding.NotVulnerable},
		{"ipa14.username-mismatch", "item14/unknown-404.sip", finding.Inconclusive},
		{"ipa14.realm-mismatch", "item14/accepted-200.sip", finding.Vulnerable},
		{"ipa14.qop-downgrade", "item14/error-500.sip", finding.Inconclusive},
		{"ipa14.replay-other-dialog", "item14/offline-480.sip", finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.id+"/"+c.file, func(t *testing.T) {
			got := judgeDigestAbuse(c.id, loadMsg(t, c.file))
			wantOutcome(t, got, c.want)
			if got.Verdict == finding.Vulnerable && !strings.Contains(got.Summary, digestMessages()[c.id][:20]) {
				t.Errorf("summary does not explain the finding: %s", got.Summary)
			}
		})
	}
	for id := range digestMessages() {
		found := false
		for _, c := range digestChecks() {
			if c.Info().ID == id {
				found = true
			}
		}
		if !found {
			t.Errorf("message for unknown check %s", id)
		}
	}
}

func TestJudgeUnchallenged(t *testing.T) {
	load := func(f string) *sip.Message {
		if f == "" {
			return nil
		}
		return loadMsg(t, f)
	}
	cases := []struct {
		name string
		ans  map[string]string
		want finding.Verdict
	}{
		{"kamailio permissive", map[string]string{"INVITE": "item14/proxy-407.sip", "MESSAGE": "item14/offline-480.sip", "SUBSCRIBE": "item14/offline-480.sip", "REFER": "item14/offline-480.sip"}, finding.Vulnerable},
		{"refer accepted", map[string]string{"INVITE": "item14/proxy-407.sip", "REFER": "item14/refer-202.sip"}, finding.Vulnerable},
		{"all challenged", map[string]string{"INVITE": "item14/proxy-407.sip", "MESSAGE": "item14/challenged-401.sip", "SUBSCRIBE": "item14/challenged-401.sip", "REFER": "item14/refused-403.sip"}, finding.NotVulnerable},
		{"challenged and silent", map[string]string{"INVITE": "item14/proxy-407.sip", "MESSAGE": ""}, finding.NotVulnerable},
		{"only 404s", map[string]string{"INVITE": "item14/unknown-404.sip", "MESSAGE": "item14/unknown-404.sip"}, finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ans := map[string]*sip.Message{}
			for m, f := range c.ans {
				ans[m] = load(f)
			}
			wantOutcome(t, judgeUnchallenged(ans), c.want)
		})
	}
}

func TestJudgeMD5Only(t *testing.T) {
	cases := []struct {
		file string
		want finding.Verdict
	}{
		{"item14/md5-only-401.sip", finding.Vulnerable},
		{"item03/proxy-407-noqop.sip", finding.Vulnerable},
		{"item03/kamailio-strict-401.sip", finding.NotVulnerable},
		{"item03/lab-hardened-401.sip", finding.NotVulnerable},
		{"item14/accepted-200.sip", finding.Inconclusive},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := judgeMD5Only(loadMsg(t, c.file))
			wantOutcome(t, got, c.want)
			if got.Verdict == finding.Vulnerable && got.Severity != finding.Info {
				t.Errorf("severity %q, want info", got.Severity)
			}
		})
	}
}
