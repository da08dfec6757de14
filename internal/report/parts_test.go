package report

import (
	"strings"
	"testing"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
)

func TestCleanN(t *testing.T) {
	cases := []struct {
		name, in string
		limit    int
		want     string
		dropped  int
	}{
		{"plain", "INVITE sip:a@b SIP/2.0", 100, "INVITE sip:a@b SIP/2.0", 0},
		{"crlf", "A\r\nB\r\n", 100, "A\nB\n", 0},
		{"lone cr", "A\rB", 100, `A\rB`, 0},
		{"tab kept", "a\tb", 100, "a\tb", 0},
		{"nul and controls", "a\x00b\x1bc\x7f", 100, `a\x00b\x1bc\x7f`, 0},
		{"invalid utf-8", "a\xff\xfeb", 100, `a\xff\xfeb`, 0},
		{"bidi override", "x\u202eevil\u202c", 100, `x\u{202E}evil\u{202C}`, 0},
		{"zero width", "a\u200bb\ufeff", 100, `a\u{200B}b\u{FEFF}`, 0},
		{"noncharacter", "a\uffffb", 100, `a\u{FFFF}b`, 0},
		{"c1 control", "a\u0085b", 100, `a\u{0085}b`, 0},
		{"japanese kept", "認証機能", 100, "認証機能", 0},
		{"markup kept (escaped later)", "<script>", 100, "<script>", 0},
		{"truncated", "abcdef", 4, "abcd", 2},
		{"truncated on rune boundary", "ああ", 4, "あ", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, dropped := cleanN(tc.in, tc.limit)
			if got != tc.want || dropped != tc.dropped {
				t.Errorf("cleanN(%q, %d) = %q, %d; want %q, %d", tc.in, tc.limit, got, dropped, tc.want, tc.dropped)
			}
		})
	}
	if got := clean("abcdef", 3); got != "abc…" {
		t.Errorf("clean truncation = %q", got)
	}
}

func TestStartLine(t *testing.T) {
	cases := map[string]string{
		"INVITE sip:a@b SIP/2.0\nVia: x\n": "INVITE sip:a@b SIP/2.0",
		"":                                 "(empty)",
		"  SIP/2.0 200 OK  ":               "SIP/2.0 200 OK",
		strings.Repeat("x", 100):           strings.Repeat("x", maxStartLine-1) + "…",
	}
	for in, want := range cases {
		if got := startLine(in); got != want {
			t.Errorf("startLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownHelpers(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"html", "<script>", `\<script\>`},
		{"link", "[x](http://e)", `\[x](http://e)`},
		{"emphasis and code", "*a* _b_ `c`", "\\*a\\* \\_b\\_ \\`c\\`"},
		{"table pipe", "a|b", `a\|b`},
		{"entity", "&amp;", `\&amp;`},
		{"japanese", "運用ガイド", "運用ガイド"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mdEscape(tc.in); got != tc.want {
				t.Errorf("mdEscape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := mdCell("a\nb  c"); got != "a b c" {
		t.Errorf("mdCell = %q", got)
	}
	for in, want := range map[string]string{"": "```", "a ``` b": "````", "`````": "``````"} {
		if got := mdFence(in); got != want {
			t.Errorf("mdFence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskData(t *testing.T) {
	in := map[string]any{
		"credentials": []any{map[string]any{"user": "alice", "password": "wonderland"}},
		"DTMF":        "4711",
		"found":       []any{"100", "101"},
		"keys":        []string{"abcdef"},
	}
	out := maskData(in)
	got := dataValue(out["credentials"])
	if strings.Contains(got, "wonderland") || !strings.Contains(got, `"alice"`) || !strings.Contains(got, "w*********") {
		t.Errorf("credentials = %s", got)
	}
	if out["DTMF"] != "4***" {
		t.Errorf("DTMF = %v", out["DTMF"])
	}
	if dataValue(out["found"]) != `["100","101"]` {
		t.Errorf("found = %v (not a secret)", out["found"])
	}
	if dataValue(out["keys"]) != `["a*****"]` {
		t.Errorf("keys = %v", dataValue(out["keys"]))
	}
	if in["DTMF"] != "4711" {
		t.Error("maskData modified its input")
	}
	// Masking an already masked value changes nothing.
	if again := maskData(out); dataValue(again["credentials"]) != got {
		t.Error("masking is not idempotent")
	}
}

func TestLadder(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(ms int, src, dst, data string) evidenceView {
		return evidenceView{Offset: fmtOffset(time.Duration(ms) * time.Millisecond), Time: fmtTime(t0), Dir: finding.DirSent, Src: src, Dst: dst, StartLine: startLine(data)}
	}
	if buildLadder(nil, 0) != nil {
		t.Error("ladder without evidence")
	}
	l := buildLadder([]evidenceView{
		ev(0, "A", "B", "INVITE sip:b SIP/2.0\n"),
		ev(5, "B", "A", "SIP/2.0 100 Trying\n"),
		ev(9, "B", "C", "INVITE sip:c SIP/2.0\n"),
		ev(12, "C", "C", "self\n"),
		ev(15, "", "A", "?\n"),
	}, 0)
	var lanes []string
	for _, ln := range l.Lanes {
		lanes = append(lanes, ln.Full)
	}
	if got := strings.Join(lanes, ","); got != "A,B,C,?" {
		t.Errorf("lanes in order of appearance = %s, want A,B,C,?", got)
	}
	if len(l.Arrows) != 5 {
		t.Fatalf("arrows = %d, want 5", len(l.Arrows))
	}
	a := l.Arrows
	if !(a[0].X1 < a[0].X2) || !(a[1].X1 > a[1].X2) || !a[3].Self || a[2].Label != "INVITE sip:c SIP/2.0" {
		t.Errorf("arrow geometry wrong: %+v", a[:4])
	}
	for i := 1; i < len(a); i++ {
		if a[i].Y <= a[i-1].Y {
			t.Errorf("arrow %d is not below arrow %d", i, i-1)
		}
	}
	if a[1].Offset != "+0.005s" {
		t.Errorf("offset = %q", a[1].Offset)
	}
	for _, ln := range l.Lanes {
		if ln.X <= 0 || ln.X >= l.Width || ln.Y2 > l.Height {
			t.Errorf("lane %s outside the drawing (%d of %dx%d)", ln.Full, ln.X, l.Width, l.Height)
		}
	}
	// Long evidence lists are cut.
	many := make([]evidenceView, ladderMaxDraw+7)
	for i := range many {
		many[i] = ev(i, "A", "B", "MESSAGE sip:b SIP/2.0\n")
	}
	if l := buildLadder(many, 3); len(l.Arrows) != ladderMaxDraw || l.More != 10 {
		t.Errorf("cut ladder: %d arrows, %d more", len(l.Arrows), l.More)
	}
}

func TestChart(t *testing.T) {
	run := sampleRun()
	c := buildChart(run, translator("en"))
	if c.Total != run.Count(finding.Vulnerable) || len(c.Bars) != 5 || c.Bars[0].Severity != finding.Critical {
		t.Fatalf("chart = %+v", c)
	}
	longest := 0
	for _, b := range c.Bars {
		longest = max(longest, b.W)
		if b.Count > 0 && b.W <= 0 {
			t.Errorf("bar %s with count %d has no width", b.Severity, b.Count)
		}
	}
	if longest != chartBarMax {
		t.Errorf("longest bar = %d, want %d", longest, chartBarMax)
	}
}

func TestTranslatorCoversEveryKey(t *testing.T) {
	table := uiStrings()
	for _, lang := range langs() {
		for key := range table["en"] {
			if table[lang][key] == "" {
				t.Errorf("%s lacks %q", lang, key)
			}
		}
	}
	for _, v := range finding.Verdicts() {
		if translator("ja")(string(v)) == string(v) && v != finding.Skipped {
			t.Errorf("verdict %s not translated", v)
		}
	}
}
