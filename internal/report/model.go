package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
)

// Limits on how much evidence a human-readable report shows; the json format
// always carries everything.
const (
	maxEvidenceRecords = 100      // records shown per result
	maxEvidenceBytes   = 32 << 10 // bytes of one record's data
	maxDataValue       = 2000     // bytes of one data value
	maxStartLine       = 72       // runes of an arrow label
	timeLayout         = time.RFC3339
)

// view is what every human-readable format renders.
type view struct {
	Lang      string
	Tool      finding.Tool
	Mode      string
	Started   string
	Finished  string
	Duration  string
	Generated string
	Reveal    bool
	Targets   []string
	Totals    []verdictCount
	Matrix    []matrixRow
	Chart     chart
	Baseline  *baselineView
	// Results is aligned with run.Results.
	Results []*resultView
	Cards   []*resultView
	Others  []*resultView
	// Checks lists the distinct check ids in item, then id order.
	Checks []checkView

	run *finding.Run
	t   func(string) string
}

type verdictCount struct {
	Verdict finding.Verdict
	Label   string
	Count   int
}

type matrixRow struct {
	Item    int
	ItemID  string
	Title   string
	Covered bool
	Cells   []matrixCell
}

type matrixCell struct {
	Target  string
	Covered bool
	// Class is the worst verdict in the cell, for its colour.
	Class string
	Chips []chip
	// Link is the anchor of the first card of the cell, if any.
	Link string
	// Tip is a plain-text description for the title attribute.
	Tip string
}

type chip struct {
	Verdict   finding.Verdict
	Label     string
	Count     int
	ShowCount bool
}

type checkView struct {
	ID    string
	Item  int
	Index int
}

type cvss2View struct {
	Vector    string
	Score     string
	Published string
	Mismatch  bool
}

type cvss3View struct {
	Vector string
	Score  string
	Value  float64
}

type kv struct{ Key, Value string }

type evidenceView struct {
	N         int
	Offset    string
	Time      string
	Dir       string
	Transport string
	Src, Dst  string
	Note      string
	Data      string
	StartLine string
	Truncated int
}

type resultView struct {
	Index         int
	Anchor        string
	Item          int
	ItemID        string
	Title         string
	Check         string
	Target        string
	Verdict       finding.Verdict
	VerdictLabel  string
	Severity      finding.Severity
	SeverityLabel string
	Summary       string
	Reason        string
	CVSS2         *cvss2View
	CVSS3         *cvss3View
	Ops, Impl     string
	Refs          []string
	Data          []kv
	Reproducer    string
	Ladder        *ladder
	Evidence      []evidenceView
	MoreEvidence  int
	// Seconds is the check's duration when it was timed, else -1.
	Seconds float64
	// Change is the result's baseline state ("" without a baseline).
	Change string
}

type baselineView struct {
	Mode    string
	Started string
	Version string
	Counts  []changeCount
	Entries []diffView
	// byTarget counts changes per target, for junit.
	byTarget map[string]map[finding.Change]int
}

type changeCount struct {
	Change finding.Change
	Label  string
	Count  int
}

type diffView struct {
	Change        finding.Change
	ChangeLabel   string
	ItemID        string
	Title         string
	Check         string
	Target        string
	Before        string
	BeforeClass   string
	After         string
	AfterClass    string
	Severity      finding.Severity
	SeverityLabel string
	Link          string
}

// buildView computes everything the human-readable formats show.
func buildView(run *finding.Run, opts Options) *view {
	lang := opts.Lang
	if lang == "" {
		lang = run.Lang
	}
	lang = normLang(lang)
	t := translator(lang)
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	v := &view{
		Lang:      lang,
		Tool:      run.Tool,
		Mode:      run.Mode,
		Started:   fmtTime(run.Started),
		Finished:  fmtTime(run.Finished),
		Duration:  fmtDuration(run.Finished.Sub(run.Started)),
		Generated: now().Format(timeLayout),
		Reveal:    opts.Reveal,
		Targets:   targetsOf(run),
		run:       run,
		t:         t,
	}
	for _, vd := range finding.Verdicts() {
		v.Totals = append(v.Totals, verdictCount{vd, t(string(vd)), run.Count(vd)})
	}
	for i := range run.Results {
		v.Results = append(v.Results, buildResult(i, &run.Results[i], lang, opts.Reveal, t))
	}
	for _, rv := range v.Results {
		if isCard(rv.Verdict) {
			v.Cards = append(v.Cards, rv)
		} else {
			v.Others = append(v.Others, rv)
		}
	}
	slices.SortStableFunc(v.Cards, func(a, b *resultView) int {
		return cmp.Or(
			cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict)),
			-cmp.Compare(a.Severity.Rank(), b.Severity.Rank()),
			byItemCheckTarget(a, b),
		)
	})
	slices.SortStableFunc(v.Others, byItemCheckTarget)
	v.Matrix = buildMatrix(v, t)
	v.Chart = buildChart(run, t)
	v.Checks = buildChecks(v.Results)
	if opts.Baseline != nil {
		v.Baseline = buildBaseline(v, opts.Baseline, t)
	}
	return v
}

func byItemCheckTarget(a, b *resultView) int {
	return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.Check, b.Check),
		cmp.Compare(a.Target, b.Target), cmp.Compare(a.Index, b.Index))
}

// isCard reports whether a result gets a full card.
func isCard(vd finding.Verdict) bool { return vd == finding.Vulnerable || vd == finding.Inconclusive }

// verdictRank orders verdicts from worst (0) to least interesting.
func verdictRank(vd finding.Verdict) int {
	if i := slices.Index(finding.Verdicts(), vd); i >= 0 {
		return i
	}
	return len(finding.Verdicts())
}

// targetsOf returns the run's targets followed by any target that only
// appears in a result, in order of appearance.
func targetsOf(run *finding.Run) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range run.Targets {
		add(s)
	}
	for _, r := range run.Results {
		add(r.Target)
	}
	return out
}

func itemOf(n int) (kb.Item, bool) { return kb.Get(n) }

func itemTitle(n int, lang string) string {
	if it, ok := itemOf(n); ok {
		return it.Title(lang)
	}
	return ""
}

func buildResult(i int, r *finding.Result, lang string, reveal bool, t func(string) string) *resultView {
	it, _ := itemOf(r.Item)
	rv := &resultView{
		Index:         i,
		Anchor:        "result-" + strconv.Itoa(i+1),
		Item:          r.Item,
		ItemID:        kb.IDOf(r.Item),
		Title:         it.Title(lang),
		Check:         clean(r.Check, 200),
		Target:        clean(r.Target, 500),
		Verdict:       r.Verdict,
		VerdictLabel:  t(string(r.Verdict)),
		Severity:      r.Severity,
		SeverityLabel: t(string(r.Severity)),
		Summary:       clean(r.Summary, maxDataValue),
		Reason:        clean(r.Reason, maxDataValue),
		Ops:           it.OpsGuide.In(lang),
		Impl:          it.ImplGuide.In(lang),
		Refs:          it.References,
		Seconds:       -1,
	}
	if r.Item < 1 || r.Item > 99 {
		rv.ItemID = "IPA-" + strconv.Itoa(r.Item)
	}
	switch {
	case r.CVSS2 != nil:
		rv.CVSS2 = &cvss2View{Vector: r.CVSS2.Vector, Score: fmtScore(r.CVSS2.Score)}
		if p := r.CVSS2.Published; p != nil {
			rv.CVSS2.Published = fmtScore(*p)
			rv.CVSS2.Mismatch = math.Abs(*p-r.CVSS2.Score) > 0.05
		}
	case it.CVSS2 != nil:
		rv.CVSS2 = &cvss2View{Vector: it.CVSS2.Vector, Score: fmtScore(it.CVSS2.Score),
			Published: fmtScore(it.CVSS2.Published), Mismatch: it.CVSS2.Mismatch}
	}
	switch {
	case r.CVSS3 != nil:
		rv.CVSS3 = &cvss3View{Vector: r.CVSS3.Vector, Score: fmtScore(r.CVSS3.Score), Value: r.CVSS3.Score}
	case it.CVSS3.Vector != "":
		rv.CVSS3 = &cvss3View{Vector: it.CVSS3.Vector, Score: fmtScore(it.CVSS3.Score), Value: it.CVSS3.Score}
	}
	if r.Started != nil && r.Finished != nil {
		rv.Seconds = r.Finished.Sub(*r.Started).Seconds()
	}
	data := r.Data
	if !reveal {
		data = maskData(data)
	}
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if s, ok := data[k].(string); ok && k == "reproducer" {
			rv.Reproducer = clean(s, maxDataValue) // shown on its own
			continue
		}
		rv.Data = append(rv.Data, kv{clean(k, 200), dataValue(data[k])})
	}
	var t0 time.Time
	for n, e := range r.Evidence {
		if n == 0 {
			t0 = e.Time
		}
		if n >= maxEvidenceRecords {
			rv.MoreEvidence = len(r.Evidence) - n
			break
		}
		body, dropped := cleanN(e.Data, maxEvidenceBytes)
		// The blank line that ends a SIP message is noise on screen; the
		// json format keeps the exact bytes.
		body = strings.TrimRight(body, "\n")
		rv.Evidence = append(rv.Evidence, evidenceView{
			N:         n + 1,
			Offset:    fmtOffset(e.Time.Sub(t0)),
			Time:      fmtTime(e.Time),
			Dir:       clean(e.Dir, 20),
			Transport: clean(e.Transport, 20),
			Src:       clean(e.Src, 200),
			Dst:       clean(e.Dst, 200),
			Note:      clean(e.Note, 500),
			Data:      body,
			StartLine: startLine(body),
			Truncated: dropped,
		})
	}
	rv.Ladder = buildLadder(rv.Evidence, rv.MoreEvidence)
	return rv
}

func buildMatrix(v *view, t func(string) string) []matrixRow {
	type key struct {
		item   int
		target string
	}
	cells := map[key][]*resultView{}
	for _, rv := range v.Results {
		k := key{rv.Item, v.run.Results[rv.Index].Target}
		cells[k] = append(cells[k], rv)
	}
	cardOf := map[key]string{}
	for _, rv := range v.Cards {
		k := key{rv.Item, v.run.Results[rv.Index].Target}
		if _, ok := cardOf[k]; !ok {
			cardOf[k] = rv.Anchor
		}
	}
	var rows []matrixRow
	for _, it := range kb.All() {
		row := matrixRow{Item: it.Number, ItemID: it.ID(), Title: it.Title(v.Lang)}
		for _, tg := range v.Targets {
			rs := cells[key{it.Number, tg}]
			c := matrixCell{Target: tg, Covered: len(rs) > 0, Link: cardOf[key{it.Number, tg}]}
			if !c.Covered {
				c.Class = "none"
				c.Tip = t("not_covered_cell")
				row.Cells = append(row.Cells, c)
				continue
			}
			row.Covered = true
			counts := map[finding.Verdict]int{}
			for _, rv := range rs {
				counts[rv.Verdict]++
			}
			var tips []string
			for _, vd := range finding.Verdicts() {
				if n := counts[vd]; n > 0 {
					if c.Class == "" {
						c.Class = string(vd)
					}
					c.Chips = append(c.Chips, chip{vd, t(string(vd)), n, len(rs) > 1})
				}
			}
			for _, rv := range rs {
				tips = append(tips, rv.Check+": "+rv.VerdictLabel)
			}
			c.Tip = strings.Join(tips, "\n")
			row.Cells = append(row.Cells, c)
		}
		rows = append(rows, row)
	}
	return rows
}

func buildChecks(rs []*resultView) []checkView {
	seen := map[string]int{}
	for _, rv := range rs {
		if _, ok := seen[rv.Check]; !ok {
			seen[rv.Check] = rv.Item
		}
	}
	var out []checkView
	for id, item := range seen {
		out = append(out, checkView{ID: id, Item: item})
	}
	slices.SortFunc(out, func(a, b checkView) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.ID, b.ID))
	})
	for i := range out {
		out[i].Index = i
	}
	return out
}

func buildBaseline(v *view, base *finding.Run, t func(string) string) *baselineView {
	bv := &baselineView{
		Mode:     base.Mode,
		Started:  fmtTime(base.Started),
		Version:  base.Tool.Version,
		byTarget: map[string]map[finding.Change]int{},
	}
	anchorOf := map[*finding.Result]string{}
	for _, rv := range v.Results {
		anchorOf[&v.run.Results[rv.Index]] = rv.Anchor
	}
	counts := map[finding.Change]int{}
	label := func(r *finding.Result) (string, string) {
		if r == nil {
			return t("no_result"), "none"
		}
		return t(string(r.Verdict)), string(r.Verdict)
	}
	for _, e := range finding.Diff(base, v.run) {
		r := e.Result()
		counts[e.Change]++
		if bv.byTarget[r.Target] == nil {
			bv.byTarget[r.Target] = map[finding.Change]int{}
		}
		bv.byTarget[r.Target][e.Change]++
		d := diffView{
			Change:      e.Change,
			ChangeLabel: t(string(e.Change)),
			ItemID:      kb.IDOf(r.Item),
			Title:       itemTitle(r.Item, v.Lang),
			Check:       clean(r.Check, 200),
			Target:      clean(r.Target, 500),
		}
		d.Before, d.BeforeClass = label(e.Old)
		d.After, d.AfterClass = label(e.New)
		sev := r.Severity
		if e.Change == finding.ChangeFixed && e.Old != nil {
			sev = e.Old.Severity
		}
		d.Severity, d.SeverityLabel = sev, t(string(sev))
		if e.New != nil {
			d.Link = anchorOf[e.New]
			if !isCard(e.New.Verdict) {
				d.Link = ""
			}
		}
		bv.Entries = append(bv.Entries, d)
	}
	for _, c := range finding.Changes() {
		bv.Counts = append(bv.Counts, changeCount{c, t(string(c)), counts[c]})
	}
	// Baseline state of each current card, for SARIF.
	old := map[string]finding.Verdict{}
	for _, r := range base.Results {
		if prev, ok := old[r.Key()]; !ok || verdictRank(r.Verdict) < verdictRank(prev) {
			old[r.Key()] = r.Verdict
		}
	}
	for _, rv := range v.Results {
		prev, ok := old[v.run.Results[rv.Index].Key()]
		switch {
		case ok && prev == rv.Verdict:
			rv.Change = "unchanged"
		case ok && isCard(prev) && isCard(rv.Verdict):
			rv.Change = "updated"
		default:
			rv.Change = "new"
		}
	}
	return bv
}

// secretKeys are the data keys whose values are secrets (SPEC §3, §4).
func secretKeys() []string {
	return []string{"password", "passwd", "secret", "dtmf", "key", "keys", "srtp_key", "master_key", "inline_key", "community_write"}
}

// maskData returns a copy of data with every string under a secret key
// masked. finding.Mask is idempotent, so already masked values stay as they
// are.
func maskData(data map[string]any) map[string]any {
	out, _ := maskValue(data, false).(map[string]any)
	return out
}

func maskValue(x any, secret bool) any {
	switch v := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = maskValue(e, secret || slices.Contains(secretKeys(), strings.ToLower(k)))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValue(e, secret)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValue(e, secret)
		}
		return out
	case string:
		if secret {
			return finding.Mask(v)
		}
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = maskValue(e, secret)
		}
		return out
	}
	return x
}

// dataValue renders one data value as text.
func dataValue(x any) string {
	switch v := x.(type) {
	case string:
		return clean(v, maxDataValue)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return clean(fmt.Sprint(x), maxDataValue)
	}
	return clean(strings.TrimSpace(b.String()), maxDataValue)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(timeLayout)
}

func fmtDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	return d.Round(time.Millisecond).String()
}

func fmtOffset(d time.Duration) string {
	return fmt.Sprintf("%+.3fs", d.Seconds())
}

func fmtScore(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// sortResults orders result views by item, check, target, then run order.
func sortResults(rs []*resultView) { slices.SortStableFunc(rs, byItemCheckTarget) }
