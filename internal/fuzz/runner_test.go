package fuzz

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/target"
)

// buildFragile builds the fragile test target into a temporary directory.
func buildFragile(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fragile")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/fragile")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build fragile target: %v\n%s", err, out)
	}
	return bin
}

func fastMonitor() MonitorConfig {
	return MonitorConfig{ProbeTimeout: 500 * time.Millisecond, RecoverWait: 3 * time.Second, SlowMin: 150 * time.Millisecond}
}

func TestFragileCampaign(t *testing.T) {
	bin := buildFragile(t)
	port := peertest.FreePort(t)
	tg, _ := target.Parse(fmt.Sprintf("udp://127.0.0.1:%d", port))
	cmdline := fmt.Sprintf("%s -listen 127.0.0.1:%d -hang 20s -slow 300ms -slowfor 1s", bin, port)
	proc, err := NewProcess(cmdline, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	rep, err := Run(ctx, Config{Target: tg, Sources: []string{"torture", "protos"}, Seed: 1, ProbeEvery: 20, Rate: 3000,
		Monitor: fastMonitor(), Process: proc, Restart: true, OutDir: out, Duration: 120 * time.Second})
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	classes := map[string]Failure{}
	for _, f := range rep.Failures {
		t.Logf("%-9s %-40s case %s (%s) ×%d %s", f.Class, truncate(f.Detail, 40), f.Case.ID, f.Case.Group, f.Occurrences, filepath.Base(f.Reproducer))
		if _, ok := classes[f.Class]; !ok {
			classes[f.Class] = f
		}
	}
	t.Logf("sent %d of %d, %.0f cases/s, %d restarts, %d probes, stopped %q", rep.Sent, rep.Total, rep.CasesPerSec, rep.Restarts, rep.Probes, rep.Stopped)
	for _, c := range []string{ClassExit, ClassSignal, ClassHang, ClassSlow, ClassSanitizer, ClassRestart} {
		f, ok := classes[c]
		if !ok {
			t.Errorf("planted %s bug not found", c)
			continue
		}
		if _, err := os.Stat(filepath.Join(f.Reproducer, "repro.json")); err != nil {
			t.Errorf("%s: no reproducer: %v", c, err)
		}
	}
	if rep.Stopped != "" {
		t.Errorf("campaign stopped early: %s", rep.Stopped)
	}
	res := rep.Results()
	if res[0].Check != CheckCampaign || res[0].Verdict != finding.Vulnerable {
		t.Errorf("campaign result %s %s", res[0].Check, res[0].Verdict)
	}
	for _, r := range res[1 : len(res)-1] {
		if r.Data["reproducer"] == "" || !strings.HasPrefix(r.Check, "ipa12.") {
			t.Errorf("failure result %s without reproducer", r.Check)
		}
	}

	// replay and minimize the crash and the hang
	for _, c := range []string{ClassExit, ClassHang} {
		f, ok := classes[c]
		if !ok {
			continue
		}
		t.Run("minimize-"+c, func(t *testing.T) {
			rp, err := LoadReproducer(f.Reproducer)
			if err != nil {
				t.Fatal(err)
			}
			rc := ReplayConfig{Process: proc, Monitor: fastMonitor(), Settle: 150 * time.Millisecond, MaxTrials: 80}
			got, err := Replay(ctx, rp, rc)
			if err != nil || !got.Reproduced || got.Class != c {
				t.Fatalf("replay: %+v, %v", got, err)
			}
			min, mr, err := Minimize(ctx, rp, rc)
			if err != nil {
				t.Fatalf("minimize: %v", err)
			}
			t.Logf("minimized %d cases/%d bytes to %d case/%d bytes in %d trials", mr.OriginalCases, mr.OriginalBytes, mr.Cases, mr.Bytes, mr.Trials)
			if len(min.Cases) != 1 {
				t.Fatalf("minimized to %d cases, want the single bad message", len(min.Cases))
			}
			m := min.Cases[0].Data
			switch c {
			case ClassExit:
				if meth, _, _ := strings.Cut(string(m), " "); len(meth) <= 1024 {
					t.Errorf("minimized crash case has a %d-byte method", len(meth))
				}
			case ClassHang:
				if !bytes.Contains(bytes.ToLower(m), []byte("content-length")) && !bytes.Contains(m, []byte("\nl:")) {
					t.Errorf("minimized hang case lost its Content-Length:\n%q", m)
				}
			}
			if mr.Bytes >= mr.OriginalBytes {
				t.Errorf("minimize did not shrink: %d → %d bytes", mr.OriginalBytes, mr.Bytes)
			}
			dir := filepath.Join(t.TempDir(), "min")
			if err := min.Save(dir); err != nil {
				t.Fatal(err)
			}
			again, err := LoadReproducer(dir)
			if err != nil || !again.Minimized || len(again.Cases) != 1 {
				t.Fatalf("reload minimized: %v", err)
			}
		})
	}
}
