package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/siptest"
)

func TestFuzzUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"fuzz", "udp://127.0.0.1:5060"},
		{"fuzz", "udp://127.0.0.1:5060", "--allow", "nope"},
		{"fuzz", "--allow", "fuzz"},
		{"fuzz", "udp://127.0.0.1:5060", "--allow", "fuzz", "--sources", "bogus"},
		{"fuzz", "udp://127.0.0.1:5060", "--allow", "fuzz", "--shard", "3/2"},
		{"fuzz", "udp://127.0.0.1:5060", "--allow", "fuzz", "--restart"},
		{"fuzz", "udp://127.0.0.1:5060", "--allow", "fuzz", "--case", "protos:999999"},
		{"fuzz", "udp://127.0.0.1:5060", "--allow", "fuzz", "--exec", "/nonexistent/prog"},
		{"replay"},
		{"replay", t.TempDir()},
	} {
		code, _, errb := sipvet(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(errb), "\n") > 2 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb)
		}
	}
}

// TestFuzzLab runs a bounded campaign against the lab: no failure, the
// results contract with all 22 items, ipa12.fuzz and ipa11.codec-payloads.
func TestFuzzLab(t *testing.T) {
	l := siptest.StartLab(t, lab.Options{Profile: lab.ProfileVulnerable})
	out := filepath.Join(t.TempDir(), "fuzz.json")
	code, stdout, errb := sipvet(t, "fuzz", l.Targets()[0], "--allow", "fuzz", "--user", "echo", "--sources", "torture,media",
		"--rate", "0", "--probe-timeout", "1s", "--repro-dir", t.TempDir(), "--format", "json", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errb)
	}
	run := readRun(t, out)
	items := map[int]bool{}
	var camp, codec *finding.Result
	for i, r := range run.Results {
		items[r.Item] = true
		switch r.Check {
		case "ipa12.fuzz":
			camp = &run.Results[i]
		case "ipa11.codec-payloads":
			codec = &run.Results[i]
		}
	}
	if len(items) != 22 || run.Mode != "fuzz" {
		t.Errorf("mode %s covers %d items", run.Mode, len(items))
	}
	if camp == nil || camp.Verdict != finding.NotVulnerable || codec == nil || codec.Verdict != finding.NotVulnerable {
		t.Fatalf("campaign %+v codec %+v", camp, codec)
	}
}

// TestFuzzExecReplay: --exec against the fragile program shows exit
// detection; replay --minimize shrinks the reproducer to one message.
func TestFuzzExecReplay(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "fragile")
	if b, err := exec.Command("go", "build", "-o", bin, "../../internal/fuzz/testdata/fragile").CombinedOutput(); err != nil {
		t.Fatalf("build fragile: %v\n%s", err, b)
	}
	port := peertest.FreePort(t)
	tg := fmt.Sprintf("udp://127.0.0.1:%d", port)
	execCmd := fmt.Sprintf("%s -listen 127.0.0.1:%d", bin, port)
	dir := t.TempDir()
	out := filepath.Join(dir, "fuzz.json")
	code, _, errb := sipvet(t, "fuzz", tg, "--allow", "fuzz", "--sources", "protos", "--case", "protos:0,protos:1,protos:8,protos:2",
		"--exec", execCmd, "--restart", "--probe-timeout", "500ms", "--repro-dir", filepath.Join(dir, "repro"), "--format", "json", "-o", out)
	if code != 1 || !strings.Contains(errb, "FAILURE exit") {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	var repro string
	for _, r := range readRun(t, out).Results {
		if r.Check == "ipa12.protos" && r.Verdict == finding.Vulnerable {
			repro, _ = r.Data["reproducer"].(string)
		}
	}
	if repro == "" {
		t.Fatal("no ipa12.protos result with a reproducer")
	}
	code, stdout, errb := sipvet(t, "replay", repro, "--exec", execCmd, "--minimize", "--probe-timeout", "500ms", "--settle", "100ms")
	if code != 1 || !strings.Contains(errb, "→ 1 case(s)") {
		t.Fatalf("replay --minimize: exit %d\n%s\n%s", code, stdout, errb)
	}
	if _, err := os.Stat(filepath.Join(repro, "minimized", "repro.json")); err != nil {
		t.Fatal(err)
	}
	code, _, errb = sipvet(t, "replay", filepath.Join(repro, "minimized"), "--exec", execCmd, "--probe-timeout", "500ms")
	if code != 1 {
		t.Fatalf("replay minimized: exit %d\n%s", code, errb)
	}
}
