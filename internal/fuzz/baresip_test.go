package fuzz

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/peertest"
)

// TestRobustBaresip runs a bounded campaign over every source, including
// the stateful (in-dialog) and media sources, against baresip as an
// auto-answering UA. It must finish with its liveness timeline; baresip
// 1.0.0 survives it (robustCampaign fails on any failure but echoes).
func TestRobustBaresip(t *testing.T) {
	ua := peertest.BaresipUA(t, peertest.UAConfig{Lifetime: 150 * time.Second})
	rep := robustCampaign(t, fmt.Sprintf("udp://127.0.0.1:%d", ua.Port), "ua", 0)
	if rep.PerSource["stateful"] == 0 || rep.PerSource["media"] == 0 {
		t.Errorf("stateful or media cases not sent: %v", rep.PerSource)
	}
	if rep.Dialogs == 0 || rep.Dialogs == rep.DialogsFailed {
		t.Errorf("no dialog was established with baresip (%d dialogs, %d failed)", rep.Dialogs, rep.DialogsFailed)
	}
	if rep.CodecCases == 0 {
		t.Error("no codec payload case reached baresip's RTP port")
	}
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
