package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
)

// writeSummary prints a one-screen summary of a run: counts per verdict,
// the vulnerable and inconclusive results, and the baseline comparison.
func writeSummary(w io.Writer, run *finding.Run, lang string, baseline *finding.Run) error {
	ja := lang == "ja"
	t := func(en, jp string) string {
		if ja {
			return jp
		}
		return en
	}
	fmt.Fprintf(w, "sipvet %s — %s: %s\n", run.Tool.Version, run.Mode, strings.Join(run.Targets, ", "))
	var counts []string
	for _, v := range finding.Verdicts() {
		counts = append(counts, fmt.Sprintf("%s %d", v, run.Count(v)))
	}
	fmt.Fprintf(w, "%s: %s\n", t("results", "結果"), strings.Join(counts, ", "))
	covered := map[int]bool{}
	for _, r := range run.Results {
		if r.Verdict == finding.Vulnerable || r.Verdict == finding.NotVulnerable || r.Verdict == finding.Inconclusive {
			covered[r.Item] = true
		}
	}
	fmt.Fprintf(w, "%s: %d/22\n\n", t("items tested", "検査した項目"), len(covered))

	rs := append([]finding.Result{}, run.Results...)
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Verdict != rs[j].Verdict {
			return rs[i].Verdict == finding.Vulnerable
		}
		if rs[i].Severity != rs[j].Severity {
			return rs[i].Severity.Rank() > rs[j].Severity.Rank()
		}
		return rs[i].Item < rs[j].Item
	})
	shown := 0
	for _, r := range rs {
		if r.Verdict != finding.Vulnerable && r.Verdict != finding.Inconclusive && r.Verdict != finding.NotVulnerable {
			continue
		}
		title := ""
		if it, ok := kb.Get(r.Item); ok {
			title = it.Title(lang)
		}
		mark := map[finding.Verdict]string{finding.Vulnerable: "VULN", finding.Inconclusive: "??  ", finding.NotVulnerable: "ok  "}[r.Verdict]
		sev := ""
		if r.Verdict == finding.Vulnerable {
			sev = " [" + string(r.Severity) + "]"
		}
		fmt.Fprintf(w, "%s %s %-28s %s%s\n     %s — %s\n", mark, kb.IDOf(r.Item), r.Check, r.Target, sev, title, oneLine(r.Summary, 160))
		shown++
	}
	if shown == 0 {
		fmt.Fprintln(w, t("no check produced a verdict", "判定を出したチェックはありません"))
	}
	if baseline != nil {
		var n, f, u int
		for _, d := range finding.Diff(baseline, run) {
			switch d.Change {
			case finding.ChangeNew:
				n++
			case finding.ChangeFixed:
				f++
			default:
				u++
			}
		}
		fmt.Fprintf(w, "\n%s: %s %d, %s %d, %s %d\n", t("compared with baseline", "ベースラインとの比較"),
			t("new", "新規"), n, t("fixed", "修正済み"), f, t("unchanged", "変化なし"), u)
	}
	return nil
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
