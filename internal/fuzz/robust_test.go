package fuzz

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/target"
)

// robustCampaign runs a bounded campaign over every source and fails on
// any failure other than an echo (which it logs).
func robustCampaign(t *testing.T, uri, user string, maxCases int) *Report {
	t.Helper()
	return robustCampaignPaced(t, uri, user, maxCases, 4000, 3*time.Second)
}

// robustCampaignPaced is robustCampaign with the send rate and the time a
// target gets to recover before a silence counts as a failure: a UA on a
// loaded 2-core CI machine (baresip holds at most 4 calls, and the protos
// INVITEs open calls) needs a slower pace than a proxy.
func robustCampaignPaced(t *testing.T, uri, user string, maxCases int, rate float64, recoverWait time.Duration) *Report {
	t.Helper()
	tg, err := target.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := Run(ctx, Config{Target: tg, Seed: 42, User: user, Mutations: 300, ProbeEvery: 100, Rate: rate, MaxCases: maxCases,
		Duration: 60 * time.Second, OutDir: t.TempDir(), Monitor: MonitorConfig{ProbeTimeout: time.Second, RecoverWait: recoverWait, SlowMin: 300 * time.Millisecond}})
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	t.Logf("%s: sent %d of %d (%v), %.0f cases/s, %d probes, baseline %v, dialogs %d (%d failed), codec %d, too large %d, no call %d",
		uri, rep.Sent, rep.Total, rep.PerSource, rep.CasesPerSec, rep.Probes, rep.Baseline, rep.Dialogs, rep.DialogsFailed, rep.CodecCases, rep.TooLarge, rep.NoCall)
	for _, f := range rep.Failures {
		if f.Class == ClassEcho {
			t.Logf("echo: %s (case %s)", f.Detail, f.Case.ID)
			continue
		}
		t.Errorf("false failure %s: %s after case %s (%s)", f.Class, f.Detail, f.Case.ID, f.Case.Group)
	}
	if len(rep.Timeline) == 0 || (rep.Stopped != "" && !strings.HasPrefix(rep.Stopped, "--max-cases")) {
		t.Errorf("no liveness timeline or stopped early (%q)", rep.Stopped)
	}
	return rep
}

// resultVerdicts maps each check id of a campaign's results to its
// verdicts (failure results repeat an id, one per distinct failure).
func resultVerdicts(rep *Report) map[string][]finding.Verdict {
	out := map[string][]finding.Verdict{}
	for _, r := range rep.Results() {
		out[r.Check] = append(out[r.Check], r.Verdict)
	}
	return out
}

func TestRobustLab(t *testing.T) {
	l := siptest.StartLab(t, lab.Options{Profile: lab.ProfileVulnerable, MaxCall: 5 * time.Second})
	rep := robustCampaign(t, l.Targets()[0], "echo", 0)
	if rep.PerSource["media"] == 0 || rep.CodecCases == 0 {
		t.Errorf("no media case reached the lab's call: %v", rep.PerSource)
	}
}

// TestSippUAS runs a bounded campaign against sipp's built-in UAS, which
// sipvet starts and watches (--exec, --restart). sipp 3.6.1 exits with
// status 255 ("SIP method too long in received message") on a method name
// of more than about 100 bytes, and it also dies of SIGSEGV on several
// malformed INVITEs: the campaign must find the first, keep a reproducer for
// each failure, and carry on after each restart.
func TestSippUAS(t *testing.T) {
	bin := peertest.Need(t, "sipp")
	port := peertest.FreePort(t)
	mport := peertest.FreePort(t)
	tg, _ := target.Parse(fmt.Sprintf("udp://127.0.0.1:%d", port))
	dir := t.TempDir()
	proc, err := NewProcess(fmt.Sprintf("%s -sn uas -i 127.0.0.1 -p %d -mp %d -nostdin -timeout 120s -trace_err -error_file %s/err.log", bin, port, mport, dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	rep, err := Run(ctx, Config{Target: tg, Seed: 42, User: "service", Mutations: 300, ProbeEvery: 100, Rate: 4000, MaxCases: 3000,
		Duration: 60 * time.Second, OutDir: dir, Process: proc, Restart: true, MaxFailures: 20,
		Monitor: MonitorConfig{ProbeTimeout: time.Second, RecoverWait: 5 * time.Second, SlowMin: 300 * time.Millisecond}})
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	t.Logf("sipp: sent %d (%v), %.0f cases/s, %d probes (%s), %d restarts, %d failures", rep.Sent, rep.PerSource, rep.CasesPerSec, rep.Probes, rep.ProbeMethod, rep.Restarts, len(rep.Failures))
	found := false
	for _, f := range rep.Failures {
		t.Logf("%s: %s after %s (%s)", f.Class, f.Detail, f.Case.ID, f.Case.Group)
		if f.Class == ClassExit && strings.Contains(f.Detail, "exit status 255") {
			found = true
		}
		if f.Class != ClassEcho && f.Reproducer == "" {
			t.Errorf("failure %s has no reproducer", f.Class)
		}
	}
	if !found {
		t.Error("sipp's exit on a long method name was not found")
	}
	// How many cases fit in the minute depends on how often sipp hangs and
	// how loaded the machine is; what must hold is that the campaign ran to
	// its own bound (not stopped by failures) and kept sending after the last
	// failure and restart.
	if !strings.HasPrefix(rep.Stopped, "--duration") && !strings.HasPrefix(rep.Stopped, "--max-cases") && rep.Stopped != "" {
		t.Errorf("campaign stopped early: %q", rep.Stopped)
	}
	if n := len(rep.Failures); n > 0 {
		last := rep.Failures[n-1].Case.Index
		if rep.Next <= last+1 {
			t.Errorf("no case was run after the last failure (case %d, next %d)", last, rep.Next)
		}
	}
	if rep.Restarts == 0 {
		t.Error("sipp was never restarted")
	}
	// The results say so: the campaign and the protos failure are vulnerable.
	v := resultVerdicts(rep)
	if got := v[CheckCampaign]; len(got) != 1 || got[0] != finding.Vulnerable {
		t.Errorf("%s: %v, want vulnerable", CheckCampaign, got)
	}
	if got := v["ipa12.protos"]; len(got) == 0 || got[0] != finding.Vulnerable {
		t.Errorf("ipa12.protos: %v, want vulnerable (sipp's exit on a long method)", got)
	}
}

func TestRobustKamailio(t *testing.T) {
	port := peertest.Kamailio(t)
	rep := robustCampaign(t, fmt.Sprintf("udp://127.0.0.1:%d", port), "", 3000)
	// kamailio survives the campaign: the results say not vulnerable, and
	// no per-failure result is emitted.
	for id, got := range resultVerdicts(rep) {
		if id == CheckCampaign && (len(got) != 1 || got[0] != finding.NotVulnerable) {
			t.Errorf("%s: %v, want not-vulnerable", id, got)
		}
		for _, g := range got {
			if g == finding.Vulnerable {
				t.Errorf("%s: vulnerable on kamailio", id)
			}
		}
	}
	if _, ok := resultVerdicts(rep)[CheckCampaign]; !ok {
		t.Errorf("no %s result", CheckCampaign)
	}
}

// TestFoundSippBugs replays the minimized reproducers of the real sipp
// 3.6.1 failures the campaign found (testdata/found) against a fresh sipp.
func TestFoundSippBugs(t *testing.T) {
	bin := peertest.Need(t, "sipp")
	for _, name := range []string{"sipp-3.6.1-long-method-exit", "sipp-3.6.1-via-overflow-sigsegv"} {
		t.Run(name, func(t *testing.T) {
			rp, err := LoadReproducer("testdata/found/" + name)
			if err != nil {
				t.Fatal(err)
			}
			port := peertest.FreePort(t)
			mport := peertest.FreePort(t)
			tg, _ := target.Parse(fmt.Sprintf("udp://127.0.0.1:%d", port))
			proc, err := NewProcess(fmt.Sprintf("%s -sn uas -i 127.0.0.1 -p %d -mp %d -nostdin", bin, port, mport), nil)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := Replay(ctx, rp, ReplayConfig{Target: tg, Process: proc, Monitor: MonitorConfig{ProbeTimeout: time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Reproduced || res.Class != rp.Class {
				t.Errorf("replay: %+v, want %s (did sipp get fixed?)", res, rp.Class)
			}
		})
	}
}
