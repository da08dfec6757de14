package scan

import (
	"fmt"
	"strings"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
	"github.com/sipvet/sipvet/internal/target"
)

// ItemModes returns the modes in which SPEC §5 covers item n.
func ItemModes(n int) []check.Mode {
	const (
		s = check.ModeScan
		h = check.ModeHarness
		p = check.ModePcap
		f = check.ModeFuzz
		c = check.ModeCrack
		e = check.ModeEnum
	)
	table := [][]check.Mode{
		1: {s}, 2: {h}, 3: {p, c, s}, 4: {s}, 5: {h, s, p}, 6: {s}, 7: {s}, 8: {p, s},
		9: {s, p}, 10: {s, p}, 11: {f}, 12: {f}, 13: {s, h, p}, 14: {s}, 15: {h, s},
		16: {s}, 17: {s}, 18: {s}, 19: {s, e, p}, 20: {s, h}, 21: {p, s}, 22: {p, s},
	}
	if n < 1 || n >= len(table) {
		return nil
	}
	return table[n]
}

// Coverage returns, for every target and every one of the 22 items that has
// no result for that target, a result saying why (SPEC §4: coverage is
// explicit). ran lists the checks that were selected for the run.
func Coverage(results []finding.Result, targets []string, mode check.Mode, ran []check.Check) []finding.Result {
	have := map[string]bool{}
	for _, r := range results {
		have[fmt.Sprintf("%d\x00%s", r.Item, r.Target)] = true
	}
	selected := map[int]bool{}
	for _, c := range ran {
		selected[c.Info().Item] = true
	}
	var out []finding.Result
	for _, t := range targets {
		for _, it := range kb.All() {
			if have[fmt.Sprintf("%d\x00%s", it.Number, t)] {
				continue
			}
			r := finding.Result{
				Item: it.Number, Check: fmt.Sprintf("ipa%02d", it.Number), Target: t,
				Severity: finding.Info, Evidence: []finding.Evidence{}, Data: map[string]any{},
			}
			modes := ItemModes(it.Number)
			var names []string
			in := false
			for _, m := range modes {
				names = append(names, "sipvet "+string(m))
				if m == mode {
					in = true
				}
			}
			switch {
			case it.Number == 11:
				r.Verdict = finding.NotApplicable
				r.Reason = "the survey reports no codec-format vulnerability; decoder robustness is fuzzed under item 12 (sipvet fuzz)"
			case !in:
				r.Verdict = finding.NotApplicable
				r.Reason = fmt.Sprintf("this item is not tested in %s mode; it is covered by %s", mode, strings.Join(names, ", "))
			case selected[it.Number]:
				r.Verdict = finding.Skipped
				r.Reason = "the selected checks of this item produced no result (interrupted run)"
			default:
				r.Verdict = finding.Skipped
				r.Reason = fmt.Sprintf("no %s-mode check of this item was selected or exists yet", mode)
			}
			r.Summary = r.Reason
			out = append(out, r)
		}
	}
	return out
}

// TargetStrings returns the canonical strings of targets.
func TargetStrings(ts []target.Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}
