package scan_test

import (
	"context"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/siptest"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// TestHostileResponders: against garbage, huge, silent, slow and flooding
// responders every SIP check ends inconclusive — no hang, no panic, no
// made-up verdict. (The checks of services beside SIP — items 17, 18, 20 —
// probe other ports, where nothing listens here: they may say
// not-vulnerable or not-applicable, never vulnerable.)
func TestHostileResponders(t *testing.T) {
	for _, mode := range []string{"garbage", "huge", "silent", "slow", "flood"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			tg, err := target.Parse(siptest.HostileServer(t, mode))
			if err != nil {
				t.Fatal(err)
			}
			tm := transport.DefaultTimers()
			tm.T1 = 50 * time.Millisecond
			tm.Timeout = time.Second
			ctx, cancel := context.WithTimeout(t.Context(), 170*time.Second)
			defer cancel()
			start := time.Now()
			rs, err := scan.Run(ctx, scan.Config{Targets: []target.Target{tg}, Checks: check.All(), Timers: tm,
				Rate: 500, CheckTimeout: 20 * time.Second, Liveness: true})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if d := time.Since(start); d > 160*time.Second {
				t.Errorf("scan took %v", d)
			}
			if len(rs) != len(check.All()) {
				t.Fatalf("got %d results, want %d", len(rs), len(check.All()))
			}
			beside := map[int]bool{17: true, 18: true, 20: true}
			for _, r := range rs {
				switch {
				case r.Verdict == finding.Vulnerable:
					t.Errorf("%s: verdict vulnerable (%s) against a hostile responder", r.Check, r.Summary)
				case r.Verdict == finding.Skipped:
					// needs an opt-in or credentials
				case beside[r.Item] || r.Check == "ipa19.snmp-walk":
				case r.Verdict != finding.Inconclusive:
					t.Errorf("%s: verdict %s (%s), want inconclusive", r.Check, r.Verdict, r.Summary)
				case r.Reason == "":
					t.Errorf("%s: inconclusive without a reason", r.Check)
				}
			}
		})
	}
}
