package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sipvet/sipvet/internal/finding"
)

// Geometry of the SIP ladder diagram, in SVG user units (px).
const (
	ladderLeft    = 128 // x of the first lifeline
	ladderTop     = 46  // y where lifelines start
	ladderRow     = 34  // vertical distance between arrows
	ladderRight   = 120 // space right of the last lifeline
	ladderMaxDraw = 60  // arrows drawn per diagram
	charWidth     = 6.7 // approximate width of one 11 px monospace character
)

// ladder is a SIP message sequence diagram: one lifeline per address, one
// arrow per evidence record.
type ladder struct {
	Width, Height int
	Lanes         []lane
	Arrows        []arrow
	// More counts records not drawn; MoreY is where the note goes.
	More  int
	MoreY int
}

type lane struct {
	X, Y1, Y2  int
	BoxX, BoxW int
	Label      string
	Full       string
}

type arrow struct {
	N              int
	Class          string
	Y              int
	X1, X2         int
	Self           bool
	Path           string
	Head           string
	LabelX, LabelY int
	Anchor         string
	Label          string
	Full           string
	Offset         string
}

// buildLadder lays out the diagram for a result's evidence; nil when there is
// no evidence.
func buildLadder(ev []evidenceView, more int) *ladder {
	if len(ev) == 0 {
		return nil
	}
	draw := ev
	if len(draw) > ladderMaxDraw {
		more += len(draw) - ladderMaxDraw
		draw = draw[:ladderMaxDraw]
	}
	var addrs []string
	pos := map[string]int{}
	addr := func(s string) int {
		if s == "" {
			s = "?"
		}
		if i, ok := pos[s]; ok {
			return i
		}
		pos[s] = len(addrs)
		addrs = append(addrs, s)
		return len(addrs) - 1
	}
	type span struct{ from, to int }
	spans := make([]span, len(draw))
	for i, e := range draw {
		spans[i] = span{addr(e.Src), addr(e.Dst)}
	}
	// Lifelines are as far apart as the longest label needs, within limits.
	longest := 0
	for _, e := range draw {
		n := utf8.RuneCountInString(e.StartLine)
		if e.Note != "" {
			n += 3 + utf8.RuneCountInString(e.Note)
		}
		longest = max(longest, n)
	}
	gapMax := 520
	if len(addrs) > 3 {
		gapMax = 300
	}
	gap := min(max(int(float64(longest)*charWidth)+32, 240), gapMax)
	x := func(i int) int { return ladderLeft + i*gap }
	l := &ladder{More: more}
	y := ladderTop + 22
	for i, s := range spans {
		e := draw[i]
		a := arrow{
			N: e.N, Class: dirClass(e.Dir), Y: y, X1: x(s.from), X2: x(s.to),
			Full: e.StartLine, Offset: e.Offset,
		}
		label := e.StartLine
		if e.Note != "" {
			a.Full += " — " + e.Note
			label += " (" + e.Note + ")"
		}
		maxChars := int(float64(gap-24) / charWidth)
		if s.from == s.to {
			a.Self = true
			a.Path = fmt.Sprintf("M%d %d h36 v14 h-32", a.X1, y-7)
			a.Head = fmt.Sprintf("%d,%d %d,%d %d,%d", a.X1+2, y+7, a.X1+10, y+3, a.X1+10, y+11)
			a.LabelX, a.LabelY, a.Anchor = a.X1+44, y+4, "start"
		} else {
			dir := 1
			if a.X2 < a.X1 {
				dir = -1
			}
			tip := a.X2 - dir*2
			a.Head = fmt.Sprintf("%d,%d %d,%d %d,%d", tip, y, tip-dir*9, y-4, tip-dir*9, y+4)
			a.LabelX, a.LabelY, a.Anchor = (a.X1+a.X2)/2, y-6, "middle"
			maxChars = int(float64(abs(a.X2-a.X1)-16) / charWidth)
		}
		a.Label = ellipsis(label, maxChars)
		l.Arrows = append(l.Arrows, a)
		y += ladderRow
	}
	l.MoreY = y - 8
	if more > 0 {
		y += 10
	}
	boxW := min(gap-24, 2*ladderLeft-16)
	for i, s := range addrs {
		l.Lanes = append(l.Lanes, lane{
			X: x(i), Y1: ladderTop - 10, Y2: y - 14,
			BoxX: x(i) - boxW/2, BoxW: boxW,
			Label: ellipsis(s, int(float64(boxW-12)/charWidth)), Full: s,
		})
	}
	l.Width = x(len(addrs)-1) + ladderRight
	if len(addrs) == 1 {
		l.Width += 200 // room for self-message labels
	}
	l.Height = y
	return l
}

func dirClass(dir string) string {
	switch dir {
	case finding.DirSent, finding.DirRecv:
		return dir
	}
	return "other"
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ellipsis cuts s to at most n runes, ending in "…" when cut.
func ellipsis(s string, n int) string {
	n = max(n, 4)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// chart is the inline SVG bar chart of vulnerable results by severity.
type chart struct {
	Width, Height int
	Total         int
	Bars          []bar
}

type bar struct {
	Severity finding.Severity
	Label    string
	Count    int
	Y        int
	W        int
	TextY    int
	CountX   int
}

// Chart geometry.
const (
	chartLabelW = 84
	chartBarMax = 380
	chartRow    = 30
	chartBarH   = 20
)

func buildChart(run *finding.Run, t func(string) string) chart {
	counts := map[finding.Severity]int{}
	c := chart{}
	for _, r := range run.Results {
		if r.Verdict == finding.Vulnerable {
			counts[r.Severity]++
			c.Total++
		}
	}
	peak := 1
	for _, n := range counts {
		peak = max(peak, n)
	}
	sevs := finding.Severities()
	for i := range sevs {
		s := sevs[len(sevs)-1-i] // critical first
		n := counts[s]
		y := 8 + i*chartRow
		b := bar{Severity: s, Label: t(string(s)), Count: n, Y: y, TextY: y + 15}
		b.W = n * chartBarMax / peak
		if n > 0 {
			b.W = max(b.W, 3)
		}
		b.CountX = chartLabelW + b.W + 8
		c.Bars = append(c.Bars, b)
	}
	c.Width = chartLabelW + chartBarMax + 50
	c.Height = 8 + len(sevs)*chartRow
	return c
}

// cssClass restricts a value used in a class attribute to [a-z0-9-].
func cssClass(x any) string {
	s := toString(x)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, strings.ToLower(s))
}
