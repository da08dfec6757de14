package check

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/enum"
	"github.com/sipvet/sipvet/internal/transport"
)

// userEnum is ipa19.enum: does the server answer existing IDs differently
// from non-existent ones, so that extensions can be harvested? The scan
// check tries a short list of common IDs (and the test account) with
// REGISTER and OPTIONS; `sipvet enum` runs the same engine over ranges and
// wordlists.
type userEnum struct{}

func (userEnum) Info() Info {
	return Info{
		ID:      "ipa19.enum",
		Item:    19,
		TitleEN: "Existing IDs distinguishable from non-existent ones (extension enumeration)",
		TitleJA: "存在する ID と存在しない ID の応答の違い (内線番号の列挙)",
		Modes:   []Mode{ModeScan, ModeEnum},
		Roles:   []Role{RoleRegistrar, RoleProxy, RoleAny},
	}
}

// CommonIDs returns the IDs the scan check tries: frequent extension
// numbers and account names.
func CommonIDs() []string {
	ids := []string{"100", "101", "102", "103", "200", "201", "1000", "1001", "1002", "1003", "1010", "1100", "2000", "2001", "3000", "5000"}
	return append(ids, "admin", "alice", "bob", "carol", "test", "guest", "operator", "reception", "sales", "support", "info", "office", "user", "voip", "sip", "pbx")
}

// EnumConn adapts a transport.Conn to the enumeration engine.
type EnumConn struct{ transport.Conn }

// Recv returns the next message's bytes.
func (c EnumConn) Recv(ctx context.Context) ([]byte, error) {
	p, err := c.Conn.Recv(ctx)
	return p.Data, err
}

func (userEnum) Run(ctx context.Context, env *Env) (Outcome, error) {
	ids := CommonIDs()
	if env.User != "" && !slices.Contains(ids, env.User) {
		ids = append([]string{env.User}, ids...)
	}
	var runs []*enum.Result
	var silent []string
	for _, method := range []string{"REGISTER", "OPTIONS"} {
		c, err := env.Dialer.Dial(ctx, env.Target, "")
		if err != nil {
			return Outcome{}, fmt.Errorf("ipa19.enum: %w", err)
		}
		res, err := enum.Run(ctx, EnumConn{c}, enum.Config{
			Target: env.Target, Method: method, Candidates: ids, Rate: -1, Window: 16,
			Wait: max(env.Timers.T1, 100*time.Millisecond), Retries: 2, Calibration: 4,
			UserAgent: env.UserAgent, Rand: env.Rand, Now: env.Now,
		})
		c.Close()
		switch {
		case errors.Is(err, enum.ErrNoCalibration):
			silent = append(silent, method)
			continue
		case err != nil:
			return Outcome{}, fmt.Errorf("ipa19.enum: %w", err)
		}
		runs = append(runs, res)
	}
	return judgeEnum(runs, silent, len(ids)), nil
}

// judgeEnum: any confirmed ID is a finding; uniform answers pass; silence
// decides nothing.
func judgeEnum(runs []*enum.Result, silent []string, tried int) Outcome {
	found := []string{}
	seen := map[string]bool{}
	var how []string
	methods := map[string]any{}
	for _, r := range runs {
		var ids []string
		for _, h := range r.Found {
			ids = append(ids, h.ID)
			if !seen[h.ID] {
				seen[h.ID] = true
				found = append(found, h.ID)
			}
		}
		methods[r.Method] = map[string]any{"found": nonNil(ids), "baseline": r.Baseline, "unanswered": nonNil(r.Unanswered), "notes": nonNil(r.Notes)}
		if len(r.Found) > 0 {
			how = append(how, fmt.Sprintf("%s: %s (%s)", r.Method, strings.Join(ids, ", "), r.Found[0].Diff))
		}
	}
	data := map[string]any{"found": found, "tried": tried, "methods": methods}
	var o Outcome
	switch {
	case len(found) > 0:
		o = Vulnerable("existing IDs answer differently from random non-existent ones, so accounts can be enumerated: %s", strings.Join(how, "; "))
	case len(runs) == 0:
		o = Inconclusive("no answer to any calibration request (%s): the target is silent or drops this scanner", strings.Join(silent, ", "))
	default:
		var ms []string
		for _, r := range runs {
			ms = append(ms, r.Method)
		}
		o = Passed("existing and non-existent IDs got the same answers to %s (%d common IDs tried)", strings.Join(ms, " and "), tried)
		if len(silent) > 0 {
			o.Summary += "; no answer to " + strings.Join(silent, ", ")
		}
	}
	o.Data = data
	return o
}
