package harness

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/ident"
	"github.com/sipvet/sipvet/internal/peertest"
)

// startSipp runs sipp with a scenario from testdata/sipp and stops it on
// cleanup. Extra arguments follow the standard ones.
func startSipp(t *testing.T, scenario, remote string, port int, extra ...string) {
	t.Helper()
	bin := peertest.Need(t, "sipp")
	args := append([]string{"-sf", filepath.Join("testdata", "sipp", scenario), "-i", "127.0.0.1",
		"-p", strconv.Itoa(port), "-nostdin", "-timeout", "60s", "-trace_err",
		"-error_file", filepath.Join(t.TempDir(), "err.log")}, extra...)
	if remote != "" {
		args = append(args, remote)
	}
	peertest.StartProcess(t, "sipp "+scenario, exec.Command(bin, args...), 0)
}

// TestSippDUT shows with sipp the verdicts baresip cannot:
//   - ipa02.redirect-followed both ways (a UAC that follows 302, one that stops);
//   - ipa02.response-wrong-branch vulnerable (sipp matches responses by
//     Call-ID only) — baresip gives the not-vulnerable side;
//   - ipa02.response-foreign-source vulnerable (sipp takes responses from
//     any source); no real peer here shows the not-vulnerable side (baresip
//     is vulnerable too): TestFakeDUT covers it;
//   - ipa13.client-identifiers vulnerable (sipp's Call-IDs and tags carry
//     the call number) — baresip gives the not-vulnerable side;
//   - ipa15.foreign-source-invite both ways (a UAS that rings, one that
//     refuses with 403).
//
// ipa05.tls-downgrade has no vulnerable real peer: Debian's sipp has no TLS
// and baresip does not fall back; TestFakeDUT covers it.
func TestSippDUT(t *testing.T) {
	for _, tc := range []struct {
		name     string
		check    string
		scenario string
		service  string
		calls    int
		uas      string
		want     finding.Verdict
	}{
		{"redirect-follow", IDRedirectFollowed, "uac-redirect-follow.xml", "2003", 1, "", finding.Vulnerable},
		{"redirect-stop", IDRedirectFollowed, "uac-redirect-stop.xml", "2003", 1, "", finding.NotVulnerable},
		{"wrong-branch", IDResponseWrongBranch, "uac-any-200.xml", "2002", 1, "", finding.Vulnerable},
		{"foreign-200", IDResponseForeignSource, "uac-any-200.xml", "2001", 1, "", finding.Vulnerable},
		{"counter-ids", IDClientIdentifiers, "uac-counter-ids.xml", "2013", 30, "", finding.Vulnerable},
		{"foreign-invite-ring", IDForeignSourceInvite, "uac-register.xml", "", 1, "uas-foreign-ring.xml", finding.Vulnerable},
		{"foreign-invite-refuse", IDForeignSourceInvite, "uac-register.xml", "", 1, "uas-foreign-refuse.xml", finding.NotVulnerable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peertest.Need(t, "sipp")
			cfg, udp := testConfig(t)
			cfg.Checks = []string{tc.check}
			cfg.NoAuth = true
			cfg.StepTimeout = 8 * time.Second
			cfg.Window = 1500 * time.Millisecond
			cfg.Calls = tc.calls
			if tc.check == IDClientIdentifiers {
				cfg.StepTimeout = 3 * time.Second
			}
			rep := runWithPeer(t, cfg, func() {
				extra := []string{"-m", strconv.Itoa(tc.calls), "-r", "20"}
				if tc.service != "" {
					extra = append(extra, "-s", tc.service)
				}
				if tc.check == IDClientIdentifiers {
					startSipp(t, "uac-register.xml", udp, peertest.FreePort(t), "-m", "1", "-key", "uasport", "9")
					time.Sleep(200 * time.Millisecond)
				}
				if tc.uas != "" {
					uasPort := peertest.FreePort(t)
					startSipp(t, tc.uas, "", uasPort, "-m", "1")
					extra = append(extra, "-key", "uasport", strconv.Itoa(uasPort))
				}
				startSipp(t, tc.scenario, udp, peertest.FreePort(t), extra...)
			})
			assertVerdicts(t, rep, map[string]finding.Verdict{tc.check: tc.want})
			if tc.check == IDClientIdentifiers {
				// The verdict must come from the structure ("N-pid@ip"), not from
				// a small sample: random 64-bit values of 30 samples estimate
				// about 27 bits, sipp's Call-IDs a few.
				for _, r := range rep.Results {
					reps, _ := r.Data["identifiers"].([]ident.Report)
					for _, ir := range reps {
						if ir.Kind == kindCallID && (ir.MinEntropyBits > 16 || len(ir.Addresses) == 0) {
							t.Errorf("sipp Call-IDs: want low entropy and an embedded address: %+v", ir)
						}
					}
				}
			}
			if t.Failed() {
				t.Logf("prompts:\n%s", cfg.Prompts.(*syncBuffer).String())
				for _, r := range rep.Results {
					t.Logf("%s data: %v", r.Check, fmt.Sprint(r.Data))
				}
			}
		})
	}
}
