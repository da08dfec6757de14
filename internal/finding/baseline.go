package finding

import (
	"cmp"
	"slices"
)

// Change classifies a finding when two runs are compared (SPEC §7,
// --baseline): a finding is a result with verdict vulnerable.
type Change string

// The changes Diff reports, in report order.
const (
	// ChangeNew is a finding vulnerable now but not in the baseline.
	ChangeNew Change = "new"
	// ChangeFixed is a finding of the baseline that is not vulnerable now.
	ChangeFixed Change = "fixed"
	// ChangeUnchanged is a finding vulnerable in both runs.
	ChangeUnchanged Change = "unchanged"
)

// Changes lists every change in report order.
func Changes() []Change { return []Change{ChangeNew, ChangeFixed, ChangeUnchanged} }

func (c Change) rank() int { return slices.Index(Changes(), c) }

// DiffEntry is one finding compared across two runs. Old is the baseline's
// result for the same check and target and New the current one; either is nil
// when that run has no result for the key (a fixed entry with a nil New means
// the check no longer ran against the target). They point into the runs
// passed to Diff.
type DiffEntry struct {
	Change   Change
	Old, New *Result
}

// Result returns the entry's most recent result: New when present, else Old.
func (e DiffEntry) Result() *Result {
	if e.New != nil {
		return e.New
	}
	return e.Old
}

// Diff compares the findings of a baseline run with those of a current run,
// keyed by check and target. Results that are vulnerable in neither run are
// left out. Entries are ordered by change (new, fixed, unchanged), then item,
// check and target. Either run may be nil (no results). When a run holds
// several results for one key, a vulnerable one is preferred, else the first.
func Diff(before, after *Run) []DiffEntry {
	old, cur := index(before), index(after)
	keys := make([]string, 0, len(old)+len(cur))
	for k := range old {
		keys = append(keys, k)
	}
	for k := range cur {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	var out []DiffEntry
	for _, k := range keys {
		o, n := old[k], cur[k]
		ov := o != nil && o.Verdict == Vulnerable
		nv := n != nil && n.Verdict == Vulnerable
		var c Change
		switch {
		case ov && nv:
			c = ChangeUnchanged
		case nv:
			c = ChangeNew
		case ov:
			c = ChangeFixed
		default:
			continue
		}
		out = append(out, DiffEntry{Change: c, Old: o, New: n})
	}
	slices.SortFunc(out, func(a, b DiffEntry) int {
		ra, rb := a.Result(), b.Result()
		return cmp.Or(
			cmp.Compare(a.Change.rank(), b.Change.rank()),
			cmp.Compare(ra.Item, rb.Item),
			cmp.Compare(ra.Check, rb.Check),
			cmp.Compare(ra.Target, rb.Target),
		)
	})
	return out
}

// index maps each result key of r to its representative result.
func index(r *Run) map[string]*Result {
	m := map[string]*Result{}
	if r == nil {
		return m
	}
	for i := range r.Results {
		res := &r.Results[i]
		prev, ok := m[res.Key()]
		if !ok || (prev.Verdict != Vulnerable && res.Verdict == Vulnerable) {
			m[res.Key()] = res
		}
	}
	return m
}
