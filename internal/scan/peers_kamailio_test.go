package scan_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// runChecks runs the selected checks against one target and returns the
// verdict of each check id.
func runChecks(t *testing.T, tg string, ids []string, user, pass string) map[string]finding.Result {
	t.Helper()
	tt, err := target.Parse(tg)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := check.Select(check.All(), ids)
	if err != nil {
		t.Fatal(err)
	}
	tm := transport.DefaultTimers()
	tm.T1 = 100 * time.Millisecond
	tm.Timeout = 3 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	rs, err := scan.Run(ctx, scan.Config{Targets: []target.Target{tt}, Checks: checks, Timers: tm, Rate: 200,
		User: user, Password: pass, Liveness: true})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	out := map[string]finding.Result{}
	for _, r := range rs {
		out[r.Check] = r
	}
	return out
}

// TestKamailioVerdicts runs the foundation checks against a real kamailio
// in a permissive and a strict configuration: the verdicts must differ
// exactly where the configurations differ.
func TestKamailioVerdicts(t *testing.T) {
	cases := []struct {
		name    string
		defines []string
		want    map[string]finding.Verdict
	}{
		{"open", nil, map[string]finding.Verdict{
			"ipa01.register-noauth": finding.Vulnerable, // save("location") without auth_check
			"ipa19.fingerprint":     finding.Vulnerable, // default Server: kamailio (5.x.y (arch/os))
		}},
		{"strict", []string{"STRICT"}, map[string]finding.Verdict{
			"ipa01.register-noauth": finding.NotVulnerable, // auth_check → 401 challenge
			"ipa19.fingerprint":     finding.NotVulnerable, // server_signature=no
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := peertest.Kamailio(t, c.defines...)
			for _, tr := range []string{"udp", "tcp"} {
				tg := fmt.Sprintf("%s://127.0.0.1:%d", tr, port)
				got := runChecks(t, tg, []string{"ipa01.register-noauth", "ipa19.fingerprint"}, "alice", "")
				for id, want := range c.want {
					r, ok := got[id]
					if !ok {
						t.Errorf("%s %s: no result", tg, id)
						continue
					}
					if r.Verdict != want {
						t.Errorf("%s %s: verdict %s (%s), want %s", tg, id, r.Verdict, r.Summary, want)
					}
					if len(r.Evidence) == 0 {
						t.Errorf("%s %s: no evidence recorded", tg, id)
					}
				}
			}
		})
	}
}
