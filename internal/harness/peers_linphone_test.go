package harness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/peertest"
)

// linphoneDriver drives linphonec through its command line on stdin.
type linphoneDriver struct{ d *peertest.DUTLinphone }

func (l linphoneDriver) Name() string    { return "linphonec stdin" }
func (l linphoneDriver) Automated() bool { return true }
func (l linphoneDriver) Do(_ context.Context, a Action) error {
	switch a.Kind {
	case ActDial:
		return l.d.Dial(a.URI)
	case ActHangup:
		return l.d.Hangup()
	}
	return nil // linphonec registers by itself from its proxy config
}

// TestLinphoneDUT shows ipa20.client-accepts-bad-cert with a real SIP
// client whose checking can be switched, which baresip 1.0.0 cannot (it
// never verifies): linphonec 5.1 (liblinphone, belle-sip) trusting the
// harness CA (root_ca) dials the harness over TLS once per certificate.
//   - verify_server_certs and verify_server_cn on (linphone's defaults),
//     harness named "localhost" (--tls-name): the valid certificate passes,
//     the four invalid ones are refused: not vulnerable.
//   - the same, harness named by its address: linphone matches names
//     against DNS names only, so it refuses the valid certificate (it names
//     127.0.0.1 as an IP address) too: inconclusive, saying why.
//   - the chain checked but not the name: the valid certificate passes, the
//     self-signed, expired and untrusted-CA ones fail, and the wrong-name
//     one passes: vulnerable, for that one only.
//   - no checking: vulnerable, all four accepted.
//
// linphonec has no account here: with one it sends every call through its
// proxy's transport, so the harness waits out the registration step first.
func TestLinphoneDUT(t *testing.T) {
	peertest.Need(t, "linphonec")
	for _, tc := range []struct {
		name              string
		tlsName           string
		certs, cn         bool
		want              finding.Verdict
		accepted, refused []string
	}{
		{"verify", "localhost", true, true, finding.NotVulnerable, nil, []string{"self-signed", "wrong-name", "expired", "untrusted-CA"}},
		{"verify-by-address", "", true, true, finding.Inconclusive, nil, nil},
		{"chain-only", "", true, false, finding.Vulnerable, []string{"wrong-name"}, []string{"self-signed", "expired", "untrusted-ca"}},
		{"no-verify", "", false, false, finding.Vulnerable, []string{"self-signed", "wrong-name", "expired", "untrusted-ca"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := testConfig(t)
			cfg.StepTimeout = 10 * time.Second
			cfg.Window = 2 * time.Second
			cfg.Timers.Timeout = 4 * time.Second
			cfg.Checks = []string{IDClientAcceptsBadCert}
			cfg.TLSName = tc.tlsName
			drv := &lateDriver{ch: make(chan Driver, 1)}
			cfg.Driver = drv
			ca := filepath.Join(t.TempDir(), "ca.pem")
			if err := os.WriteFile(ca, cfg.CA.CertPEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			rep := runWithPeer(t, cfg, func() {
				dut := peertest.StartDUTLinphone(t, peertest.DUTLinphoneOptions{VerifyCerts: tc.certs, VerifyName: tc.cn, CAFile: ca})
				drv.set(linphoneDriver{dut})
			})
			assertVerdicts(t, rep, map[string]finding.Verdict{IDClientAcceptsBadCert: tc.want})
			for _, r := range rep.Results {
				if r.Check != IDClientAcceptsBadCert {
					continue
				}
				t.Logf("%s: %s", r.Verdict, r.Summary)
				accepted, _, _ := strings.Cut(r.Summary, "(")
				for _, k := range tc.accepted {
					if !strings.Contains(accepted, k) {
						t.Errorf("%s not among the accepted certificates: %s", k, r.Summary)
					}
				}
				for _, k := range tc.refused {
					if tc.want == finding.Vulnerable && strings.Contains(accepted, k) {
						t.Errorf("%s accepted: %s", k, r.Summary)
					}
					if tc.want == finding.NotVulnerable && !strings.Contains(r.Summary, k) {
						t.Errorf("want the summary to list the refused %s: %s", k, r.Summary)
					}
				}
				if tc.want == finding.NotVulnerable && !strings.Contains(r.Summary, "accepted the valid one") {
					t.Errorf("linphone did not accept the valid certificate: %s", r.Summary)
				}
				if tc.want == finding.Inconclusive && !strings.Contains(r.Summary, "valid control certificate") {
					t.Errorf("inconclusive for another reason than the refused valid certificate: %s", r.Summary)
				}
			}
			if t.Failed() {
				t.Logf("prompts:\n%s", cfg.Prompts.(*syncBuffer).String())
			}
		})
	}
}
