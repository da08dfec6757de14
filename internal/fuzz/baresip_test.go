package fuzz

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/peertest"
	"github.com/sipvet/sipvet/internal/target"
)

// TestRobustBaresip runs bounded campaigns against baresip as an
// auto-answering UA. The stateful (in-dialog) and media sources must run to
// the end with dialogs and codec cases and no failure. The message-level
// sources are run as the issue asks — to completion or to a monitored stop —
// and what they find is logged with its reproducer: baresip 1.0.0 stops
// answering for good after some protos INVITE groups that leave calls open
// (its "maximum 4 calls" limit, then silence), which is a real
// availability finding, not a test failure.
func TestRobustBaresip(t *testing.T) {
	ua := peertest.BaresipUA(t, peertest.UAConfig{Lifetime: 150 * time.Second})
	uri := fmt.Sprintf("udp://127.0.0.1:%d", ua.Port)
	rep := baresipCampaign(t, uri, []string{"stateful", "media"})
	for _, f := range rep.Failures {
		if f.Class != ClassEcho {
			t.Errorf("in-dialog/media failure %s: %s after case %s (%s)", f.Class, f.Detail, f.Case.ID, f.Case.Group)
		}
	}
	if rep.PerSource["stateful"] == 0 || rep.PerSource["media"] == 0 {
		t.Errorf("stateful or media cases not sent: %v", rep.PerSource)
	}
	if rep.Dialogs == 0 || rep.Dialogs == rep.DialogsFailed {
		t.Errorf("no dialog was established with baresip (%d dialogs, %d failed)", rep.Dialogs, rep.DialogsFailed)
	}
	if rep.CodecCases == 0 {
		t.Error("no codec payload case reached baresip's RTP port")
	}
	// No real peer here fails on in-dialog or media cases (baresip survives
	// them), so ipa12.stateful/ipa12.media and ipa11.codec-payloads are
	// shown vulnerable only on the fragile fake target (TestFragileCampaign).
	// Here the results must say the campaign found nothing.
	for _, r := range rep.Results() {
		if r.Check == CheckCampaign && r.Verdict != finding.NotVulnerable {
			t.Errorf("%s on baresip's in-dialog/media campaign: %s, want not-vulnerable", r.Check, r.Verdict)
		}
	}

	ua2 := peertest.BaresipUA(t, peertest.UAConfig{Lifetime: 150 * time.Second})
	rep = baresipCampaign(t, fmt.Sprintf("udp://127.0.0.1:%d", ua2.Port), []string{"torture", "protos", "mutation", "application"})
	for _, f := range rep.Failures {
		t.Logf("FINDING %s: %s after case %s (%s) → %s", f.Class, f.Detail, f.Case.ID, f.Case.Group, f.Reproducer)
		if f.Class != ClassEcho && f.Reproducer == "" {
			t.Errorf("failure %s has no reproducer", f.Class)
		}
	}
	if len(rep.Timeline) == 0 || rep.Sent == 0 {
		t.Errorf("no liveness timeline or nothing sent (%d of %d)", rep.Sent, rep.Total)
	}
}

// baresipCampaign runs the given sources against baresip at a pace a UA
// on a loaded 2-core machine keeps up with, and returns the report.
func baresipCampaign(t *testing.T, uri string, sources []string) *Report {
	t.Helper()
	tg, err := target.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := Run(ctx, Config{Target: tg, Seed: 42, User: "ua", Sources: sources, Mutations: 300, ProbeEvery: 100, Rate: 1000,
		Duration: 45 * time.Second, MaxFailures: 3, OutDir: t.TempDir(),
		Monitor: MonitorConfig{ProbeTimeout: time.Second, RecoverWait: 5 * time.Second, SlowMin: 300 * time.Millisecond}})
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	t.Logf("%s %v: sent %d of %d (%v), %.0f cases/s, %d probes, baseline %v, dialogs %d (%d failed), codec %d, stopped %q",
		uri, sources, rep.Sent, rep.Total, rep.PerSource, rep.CasesPerSec, rep.Probes, rep.Baseline, rep.Dialogs, rep.DialogsFailed, rep.CodecCases, rep.Stopped)
	return rep
}

// TestUACBaresip runs the UAC campaign (malformed responses to the
// device's own REGISTER, INVITE and BYE) against baresip as the device
// under test, driven through its cons module. It must finish with its
// liveness timeline; failures are logged and reported (see docs/fuzz.md).
func TestUACBaresip(t *testing.T) {
	listen := fmt.Sprintf("127.0.0.1:%d", peertest.FreePort(t))
	dut := peertest.StartDUTBaresip(t, peertest.DUTBaresipOptions{Registrar: listen, Lifetime: 150 * time.Second})
	drv := &BaresipCons{Addr: fmt.Sprintf("127.0.0.1:%d", dut.ConsPort), Account: "<sip:dut@" + listen + ">;auth_pass=dutsecret;answermode=auto;regint=600"}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rep, err := RunUAC(ctx, UACConfig{Listen: "udp://" + listen, Driver: drv, Seed: 42, ProbeEvery: 20, Wait: 2 * time.Second,
		Duration: 60 * time.Second, OutDir: t.TempDir(), Monitor: MonitorConfig{ProbeTimeout: time.Second, RecoverWait: 3 * time.Second, SlowMin: 300 * time.Millisecond}})
	if err != nil {
		t.Fatalf("campaign: %v", err)
	}
	t.Logf("baresip as UAC: sent %d of %d (%v), %.1f cases/s, %d probes, baseline %v, skipped %d, stopped %q",
		rep.Sent, rep.Total, rep.PerSource, rep.CasesPerSec, rep.Probes, rep.Baseline, rep.NoCall, rep.Stopped)
	for _, f := range rep.Failures {
		// baresip 1.0.0 dies during this campaign (see docs/fuzz.md): a
		// real finding, logged with its reproducer rather than failing CI
		t.Logf("FAILURE %s: %s after %s (%s) window %d → %s", f.Class, f.Detail, f.Case.ID, f.Case.Group, f.Window, f.Reproducer)
		if f.Reproducer == "" {
			t.Errorf("failure %s has no reproducer", f.Class)
		}
	}
	if len(rep.Timeline) == 0 || (rep.Sent < rep.Total/2 && len(rep.Failures) == 0) {
		t.Errorf("no liveness timeline or too few cases (%d of %d)", rep.Sent, rep.Total)
	}
}
