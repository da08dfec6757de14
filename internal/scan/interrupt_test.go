package scan_test

import (
	"context"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
)

// fakeCheck returns at once (quick) or waits for ctx (blocking).
type fakeCheck struct {
	id       string
	blocking bool
}

func (f fakeCheck) Info() check.Info {
	return check.Info{ID: f.id, Item: 1, TitleEN: f.id, TitleJA: f.id, Modes: []check.Mode{check.ModeScan}, Roles: []check.Role{check.RoleRegistrar}}
}

func (f fakeCheck) Run(ctx context.Context, _ *check.Env) (check.Outcome, error) {
	if f.blocking {
		<-ctx.Done()
		return check.Outcome{}, ctx.Err()
	}
	return check.Passed("quick"), nil
}

// TestInterruptKeepsNoFalseVerdict: a check cut off by cancellation emits
// no result (so --resume runs it again); finished checks keep theirs.
func TestInterruptKeepsNoFalseVerdict(t *testing.T) {
	tg, _ := target.Parse("udp://127.0.0.1:9")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var got []finding.Result
	rs, err := scan.Run(ctx, scan.Config{Targets: []target.Target{tg},
		Checks:   []check.Check{fakeCheck{id: "ipa01.quick"}, fakeCheck{id: "ipa01.blocking", blocking: true}},
		OnResult: func(r finding.Result) { got = append(got, r) }})
	if err == nil {
		t.Fatal("interrupted scan returned no error")
	}
	if len(rs) != 1 || len(got) != 1 || rs[0].Check != "ipa01.quick" || rs[0].Verdict != finding.NotVulnerable {
		t.Fatalf("results %+v, streamed %d; want only the quick check", rs, len(got))
	}
}
