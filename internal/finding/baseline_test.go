package finding

import (
	"testing"
)

func TestDiff(t *testing.T) {
	r := func(item int, check, target string, v Verdict) Result {
		return Result{Item: item, Check: check, Target: target, Verdict: v}
	}
	const a, b = "udp://127.0.0.1:5060", "tcp://127.0.0.1:5060"
	type want struct {
		change   Change
		check    string
		target   string
		old, new Verdict // "" = nil result
	}
	cases := []struct {
		name          string
		before, after *Run
		want          []want
	}{
		{name: "both nil"},
		{
			name:   "no baseline: all findings new",
			before: nil,
			after: &Run{Results: []Result{
				r(7, "ipa07.b", a, Vulnerable),
				r(1, "ipa01.a", a, Vulnerable),
				r(2, "ipa02.a", a, NotVulnerable),
			}},
			want: []want{
				{ChangeNew, "ipa01.a", a, "", Vulnerable},
				{ChangeNew, "ipa07.b", a, "", Vulnerable},
			},
		},
		{
			name: "new fixed unchanged",
			before: &Run{Results: []Result{
				r(1, "ipa01.a", a, Vulnerable),    // unchanged
				r(1, "ipa01.a", b, Vulnerable),    // fixed -> not-vulnerable
				r(3, "ipa03.a", a, Vulnerable),    // fixed -> gone
				r(4, "ipa04.a", a, NotVulnerable), // new
				r(5, "ipa05.a", a, Inconclusive),  // still inconclusive: left out
				r(6, "ipa06.a", a, Vulnerable),    // fixed -> skipped
				r(9, "ipa09.a", a, NotApplicable), // left out
			}},
			after: &Run{Results: []Result{
				r(6, "ipa06.a", a, Skipped),
				r(4, "ipa04.a", a, Vulnerable),
				r(1, "ipa01.a", b, NotVulnerable),
				r(1, "ipa01.a", a, Vulnerable),
				r(5, "ipa05.a", a, Inconclusive),
				r(8, "ipa08.a", b, Vulnerable), // new, no old result
				r(9, "ipa09.a", a, NotApplicable),
			}},
			want: []want{
				{ChangeNew, "ipa04.a", a, NotVulnerable, Vulnerable},
				{ChangeNew, "ipa08.a", b, "", Vulnerable},
				{ChangeFixed, "ipa01.a", b, Vulnerable, NotVulnerable},
				{ChangeFixed, "ipa03.a", a, Vulnerable, ""},
				{ChangeFixed, "ipa06.a", a, Vulnerable, Skipped},
				{ChangeUnchanged, "ipa01.a", a, Vulnerable, Vulnerable},
			},
		},
		{
			name:   "duplicate keys prefer vulnerable",
			before: &Run{Results: []Result{r(1, "ipa01.a", a, NotVulnerable), r(1, "ipa01.a", a, Vulnerable)}},
			after:  &Run{Results: []Result{r(1, "ipa01.a", a, Vulnerable), r(1, "ipa01.a", a, Inconclusive)}},
			want:   []want{{ChangeUnchanged, "ipa01.a", a, Vulnerable, Vulnerable}},
		},
		{
			name:   "same check different targets are different keys",
			before: &Run{Results: []Result{r(1, "ipa01.a", a, Vulnerable)}},
			after:  &Run{Results: []Result{r(1, "ipa01.a", b, Vulnerable)}},
			want: []want{
				{ChangeNew, "ipa01.a", b, "", Vulnerable},
				{ChangeFixed, "ipa01.a", a, Vulnerable, ""},
			},
		},
	}
	verdict := func(r *Result) Verdict {
		if r == nil {
			return ""
		}
		return r.Verdict
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 3 { // map iteration must not leak into the order
				got := Diff(tc.before, tc.after)
				if len(got) != len(tc.want) {
					t.Fatalf("Diff returned %d entries, want %d: %+v", len(got), len(tc.want), got)
				}
				for i, w := range tc.want {
					g := got[i]
					res := g.Result()
					if g.Change != w.change || res.Check != w.check || res.Target != w.target ||
						verdict(g.Old) != w.old || verdict(g.New) != w.new {
						t.Errorf("entry %d = {%s %s %s old=%q new=%q}, want %+v",
							i, g.Change, res.Check, res.Target, verdict(g.Old), verdict(g.New), w)
					}
				}
			}
		})
	}
}

func TestDiffPointsIntoRuns(t *testing.T) {
	after := &Run{Results: []Result{{Item: 1, Check: "ipa01.a", Target: "x", Verdict: Vulnerable}}}
	got := Diff(nil, after)
	if len(got) != 1 || got[0].New != &after.Results[0] || got[0].Old != nil {
		t.Fatalf("Diff(nil, after) = %+v, want one entry pointing at after.Results[0]", got)
	}
}

func TestChanges(t *testing.T) {
	want := []Change{ChangeNew, ChangeFixed, ChangeUnchanged}
	got := Changes()
	for i := range want {
		if got[i] != want[i] || got[i].rank() != i {
			t.Errorf("Changes()[%d] = %q (rank %d), want %q", i, got[i], got[i].rank(), want[i])
		}
	}
}
