package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/harness"
	"github.com/sipvet/sipvet/internal/peertest"
)

func TestHarnessUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"harness", "--listen", "ws://127.0.0.1:5999"},
		{"harness", "--listen", "udp://127.0.0.1:5999", "--checks", "ipa14"},
		{"harness", "--listen", "udp://127.0.0.1:5999", "--dut-control", "telnet://x:1"},
		{"harness", "--listen", "udp://127.0.0.1:5999", "--timeout", "0s"},
		{"harness", "--listen", "udp://127.0.0.1:5999", "--ca-cert", "only-cert.pem"},
		{"harness", "extra-arg"},
	} {
		code, _, stderr := sipvet(t, args...)
		if code != exitError || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line", args, code, stderr)
		}
	}
}

// TestHarnessNoDevice: with no device the run ends by its timeouts, prompts
// the user, writes the results contract (mode harness) and covers all 22
// items, and creates the CA files it was pointed at.
func TestHarnessNoDevice(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "h.json")
	ca, key := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	listen := fmt.Sprintf("udp://127.0.0.1:%d,tls://127.0.0.1:%d", peertest.FreePort(t), peertest.FreePort(t))
	code, _, stderr := sipvet(t, "harness", "--listen", listen,
		"--checks", "ipa15,ipa20", "--step-timeout", "300ms", "--timeout", "20s", "--ca-cert", ca, "--ca-key", key,
		"--format", "json", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"ON THE DEVICE: configure the device", "did not register"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	run := readRun(t, out)
	if run.Mode != "harness" || len(run.Targets) != 1 || run.Targets[0] != "dut:unregistered" {
		t.Errorf("mode %q targets %v", run.Mode, run.Targets)
	}
	items := map[int]bool{}
	for _, r := range run.Results {
		items[r.Item] = true
		if r.Check == harness.IDForeignSourceInvite && r.Verdict != finding.Inconclusive {
			t.Errorf("%s: %s", r.Check, r.Verdict)
		}
	}
	if len(items) != 22 {
		t.Errorf("%d items covered, want 22", len(items))
	}
	for _, f := range []string{ca, key} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("CA file: %v", err)
		}
	}
	// The second run loads the same CA.
	if code, _, stderr := sipvet(t, "harness", "--listen", fmt.Sprintf("udp://127.0.0.1:%d", peertest.FreePort(t)), "--checks", "ipa15",
		"--step-timeout", "200ms", "--ca-cert", ca, "--ca-key", key, "--fail-on", "none"); code != exitOK {
		t.Errorf("second run: exit %d: %s", code, stderr)
	}
}

func TestHarnessChecksInItems(t *testing.T) {
	code, stdout, _ := sipvet(t, "items", "--format", "json")
	if code != exitOK {
		t.Fatal(code)
	}
	for _, c := range harness.Checks() {
		if !strings.Contains(stdout, `"`+c.ID+`"`) {
			t.Errorf("sipvet items lacks %s", c.ID)
		}
	}
}
