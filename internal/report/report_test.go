package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
)

var update = flag.Bool("update", false, "update golden files")

// goldenExt maps a format to the extension of its golden file.
func goldenExt(format string) string {
	if format == "junit" {
		return "junit.xml"
	}
	return format
}

func render(t *testing.T, format string, run *finding.Run, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, format, run, opts); err != nil {
		t.Fatalf("Render(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, lang := range langs() {
		for _, format := range Formats() {
			name := "report." + lang + "." + goldenExt(format)
			t.Run(name, func(t *testing.T) {
				got := render(t, format, sampleRun(), sampleOptions(lang))
				again := render(t, format, sampleRun(), sampleOptions(lang))
				if !bytes.Equal(got, again) {
					t.Fatal("two renders of the same run differ")
				}
				path := filepath.Join("testdata", "golden", name)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file (run go test -update and review the diff)\n%s", name, firstDiff(want, got))
				}
			})
		}
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n-" + a + "\n+" + b
		}
	}
	return ""
}

func TestFormatsAndErrors(t *testing.T) {
	if got := strings.Join(Formats(), ","); got != "json,html,md,sarif,junit" {
		t.Errorf("Formats() = %s", got)
	}
	err := Render(&bytes.Buffer{}, "pdf", sampleRun(), Options{})
	if !errors.Is(err, ErrFormat) {
		t.Errorf("Render(pdf) error = %v, want ErrFormat", err)
	}
	if err := Render(&bytes.Buffer{}, "html", nil, Options{}); err == nil {
		t.Error("Render of a nil run succeeded")
	}
	// Now defaults to time.Now; an empty run renders in every format.
	for _, f := range Formats() {
		if err := Render(&bytes.Buffer{}, f, &finding.Run{}, Options{}); err != nil {
			t.Errorf("Render(%s) of an empty run: %v", f, err)
		}
	}
}

// externalRef matches an attribute or CSS reference that would load
// something from another origin.
var externalRef = regexp.MustCompile(`(?i)(\b(src|href|action|poster|data|srcset|xlink:href)\s*=\s*["']?\s*(https?:)?//)|url\(\s*["']?\s*(https?:)?//|@import`)

func TestHTML(t *testing.T) {
	run := sampleRun()
	for _, lang := range langs() {
		t.Run(lang, func(t *testing.T) {
			html := string(render(t, "html", run, sampleOptions(lang)))
			if n := strings.Count(html, `<tr id="item-`); n != 22 || len(kb.All()) != 22 {
				t.Errorf("coverage rows = %d, want 22", n)
			}
			for _, it := range kb.All() {
				if !strings.Contains(html, `<tr id="item-`+strings.TrimPrefix(it.ID(), "IPA-0")) &&
					!strings.Contains(html, `<tr id="item-`+strings.TrimPrefix(it.ID(), "IPA-")) {
					t.Errorf("no coverage row for %s", it.ID())
				}
			}
			// Items without results are marked as not covered.
			covered := map[int]bool{}
			for _, r := range run.Results {
				covered[r.Item] = true
			}
			if n := strings.Count(html, `class="uncovered"`); n != 22-len(covered) {
				t.Errorf("uncovered rows = %d, want %d", n, 22-len(covered))
			}
			if m := externalRef.FindString(html); m != "" {
				t.Errorf("HTML loads an external resource: %q", m)
			}
			if strings.Contains(strings.ToLower(html), "<script") {
				t.Error("HTML contains a <script element (hostile evidence not escaped?)")
			}
			if strings.Contains(html, "<img") {
				t.Error("HTML contains an <img element from hostile evidence")
			}
			if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Error("escaped hostile display name not found")
			}
			if !strings.Contains(html, `\x00\x01\xff\xfe`) || !strings.Contains(html, `\u{202E}`) {
				t.Error("control bytes, invalid UTF-8 and bidi overrides are not shown as escapes")
			}
			for _, want := range []string{`<meta charset="utf-8">`, `"Noto Sans CJK JP"`, `lang="` + lang + `"`, "Content-Security-Policy"} {
				if !strings.Contains(html, want) {
					t.Errorf("HTML lacks %s", want)
				}
			}
			cards := run.Count(finding.Vulnerable) + run.Count(finding.Inconclusive)
			if n := strings.Count(html, `<article class="card`); n != cards {
				t.Errorf("cards = %d, want %d", n, cards)
			}
			if n := strings.Count(html, `<div class="ladder">`); n != 6 {
				t.Errorf("ladder diagrams = %d, want 6 (one per card with evidence)", n)
			}
			if !strings.Contains(html, `id="baseline"`) {
				t.Error("no baseline section")
			}
			// Secrets: dtmf was stored in clear and must be masked.
			if strings.Contains(html, "4711") || !strings.Contains(html, "4***") {
				t.Error("dtmf digits not masked")
			}
			if strings.Contains(html, "wonderland") {
				t.Error("password revealed")
			}
		})
	}
	t.Run("reveal", func(t *testing.T) {
		html := string(render(t, "html", run, Options{Reveal: true}))
		if !strings.Contains(html, "4711") {
			t.Error("Reveal did not show the dtmf digits")
		}
		if strings.Contains(html, `id="baseline"`) {
			t.Error("baseline section without a baseline")
		}
	})
}

// outsideFences returns the Markdown text outside fenced code blocks, and
// fails when a fence is left open.
func outsideFences(t *testing.T, md string) string {
	t.Helper()
	var out strings.Builder
	fence := ""
	for line := range strings.Lines(md) {
		trim := strings.TrimRight(line, "\n")
		switch {
		case fence == "" && strings.HasPrefix(trim, "```"):
			fence = strings.TrimRight(trim, "abcdefghijklmnopqrstuvwxyz")
		case fence != "" && trim == fence:
			fence = ""
		case fence == "":
			out.WriteString(line)
		}
	}
	if fence != "" {
		t.Fatalf("unterminated code fence %q", fence)
	}
	return out.String()
}

func TestMarkdown(t *testing.T) {
	for _, lang := range langs() {
		t.Run(lang, func(t *testing.T) {
			md := string(render(t, "md", sampleRun(), sampleOptions(lang)))
			text := outsideFences(t, md)
			if n := strings.Count(text, "\n| **IPA-"); n < 22 {
				t.Errorf("coverage rows = %d, want at least 22", n)
			}
			if m := regexp.MustCompile(`(^|[^\\])<(script|img)`).FindString(text); m != "" {
				t.Error("raw HTML from evidence outside code blocks")
			}
			if !strings.Contains(md, hostileName) {
				t.Error("hostile evidence missing from the code blocks")
			}
			if !strings.Contains(md, "````text\n") {
				t.Error("evidence with ``` is not fenced with a longer fence")
			}
		})
	}
}

func TestSARIF(t *testing.T) {
	run := sampleRun()
	for _, lang := range langs() {
		t.Run(lang, func(t *testing.T) {
			var log struct {
				Schema  string `json:"$schema"`
				Version string `json:"version"`
				Runs    []struct {
					Tool struct {
						Driver struct {
							Name  string `json:"name"`
							Rules []struct {
								ID         string            `json:"id"`
								Name       string            `json:"name"`
								Properties map[string]any    `json:"properties"`
								Short      map[string]string `json:"shortDescription"`
							} `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
					Results []struct {
						RuleID    string `json:"ruleId"`
						RuleIndex int    `json:"ruleIndex"`
						Level     string `json:"level"`
						Message   struct {
							Text string `json:"text"`
						} `json:"message"`
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct {
									URI string `json:"uri"`
								} `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
						BaselineState string `json:"baselineState"`
					} `json:"results"`
				} `json:"runs"`
			}
			b := render(t, "sarif", run, sampleOptions(lang))
			if err := json.Unmarshal(b, &log); err != nil {
				t.Fatal(err)
			}
			if log.Version != "2.1.0" || !strings.HasPrefix(log.Schema, "https://") || !strings.Contains(log.Schema, "sarif-schema-2.1.0.json") {
				t.Errorf("version %q schema %q", log.Version, log.Schema)
			}
			if len(log.Runs) != 1 {
				t.Fatalf("runs = %d", len(log.Runs))
			}
			r := log.Runs[0]
			checks := map[string]bool{}
			for _, res := range run.Results {
				checks[res.Check] = true
			}
			if len(r.Tool.Driver.Rules) != len(checks) {
				t.Errorf("rules = %d, want one per check (%d)", len(r.Tool.Driver.Rules), len(checks))
			}
			want := run.Count(finding.Vulnerable) + run.Count(finding.Inconclusive)
			if len(r.Results) != want {
				t.Errorf("results = %d, want %d", len(r.Results), want)
			}
			levels := map[string]int{}
			for _, res := range r.Results {
				levels[res.Level]++
				if res.RuleIndex >= len(r.Tool.Driver.Rules) || r.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
					t.Errorf("result %s: ruleIndex %d does not name its rule", res.RuleID, res.RuleIndex)
				}
				if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
					t.Errorf("result %s has no target location", res.RuleID)
				}
				if res.BaselineState == "" {
					t.Errorf("result %s has no baselineState", res.RuleID)
				}
			}
			// 3 high/critical, 3 medium/low, 1 info vulnerable + 1 inconclusive.
			if levels["error"] != 3 || levels["warning"] != 3 || levels["note"] != 2 {
				t.Errorf("levels = %v", levels)
			}
			for _, rule := range r.Tool.Driver.Rules {
				if rule.Properties["item"] == nil || rule.Short["text"] == "" {
					t.Errorf("rule %s lacks item or shortDescription", rule.ID)
				}
				// security-severity is the item's CVSS v3.1 score, or the
				// result's when the knowledge base has none.
				want := "9.1"
				if it, _ := kb.Get(3); it.CVSS3.Vector != "" {
					want = fmtScore(it.CVSS3.Score)
				}
				if rule.ID == "ipa03.online-guess" && rule.Properties["security-severity"] != want {
					t.Errorf("rule %s security-severity = %v, want %s", rule.ID, rule.Properties["security-severity"], want)
				}
			}
		})
	}
}

func TestJUnit(t *testing.T) {
	run := sampleRun()
	type problem struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Classname string   `xml:"classname,attr"`
				Name      string   `xml:"name,attr"`
				Failure   *problem `xml:"failure"`
				Error     *problem `xml:"error"`
				Skipped   *problem `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	for _, lang := range langs() {
		t.Run(lang, func(t *testing.T) {
			b := render(t, "junit", run, sampleOptions(lang))
			doc.Suites = nil
			if err := xml.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Suites) != len(run.Targets) {
				t.Fatalf("suites = %d, want %d", len(doc.Suites), len(run.Targets))
			}
			wantFail, wantErr := run.Count(finding.Vulnerable), run.Count(finding.Inconclusive)
			wantSkip := run.Count(finding.Skipped) + run.Count(finding.NotApplicable)
			if doc.Tests != len(run.Results) || doc.Failures != wantFail || doc.Errors != wantErr || doc.Skipped != wantSkip {
				t.Errorf("totals tests=%d failures=%d errors=%d skipped=%d, want %d %d %d %d",
					doc.Tests, doc.Failures, doc.Errors, doc.Skipped, len(run.Results), wantFail, wantErr, wantSkip)
			}
			sum := 0
			for i, s := range doc.Suites {
				if s.Name != run.Targets[i] {
					t.Errorf("suite %d name %q, want %q", i, s.Name, run.Targets[i])
				}
				var f, e, sk int
				for _, c := range s.Cases {
					if !regexp.MustCompile(`^ipa\d\d$`).MatchString(c.Classname) || c.Name == "" {
						t.Errorf("testcase classname=%q name=%q", c.Classname, c.Name)
					}
					if c.Failure != nil {
						f++
						if c.Failure.Message == "" || !strings.Contains(c.Failure.Text, "---") && c.Name != "ipa14.md5-only" && c.Name != "ipa21.sdes-cleartext" {
							t.Errorf("%s: failure without message or evidence", c.Name)
						}
					}
					if c.Error != nil {
						e++
					}
					if c.Skipped != nil {
						sk++
						if c.Skipped.Message == "" {
							t.Errorf("%s: skipped without a reason", c.Name)
						}
					}
				}
				if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
					t.Errorf("suite %s attributes %d/%d/%d/%d, children %d/%d/%d/%d",
						s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
				}
				sum += len(s.Cases)
			}
			if sum != len(run.Results) {
				t.Errorf("testcases = %d, want %d", sum, len(run.Results))
			}
			// Hostile evidence stays text: it round-trips through the
			// parser and creates no elements.
			dec := xml.NewDecoder(bytes.NewReader(b))
			elems := map[string]bool{}
			for {
				tok, err := dec.Token()
				if err != nil {
					break
				}
				if se, ok := tok.(xml.StartElement); ok {
					elems[se.Name.Local] = true
				}
			}
			for e := range elems {
				switch e {
				case "testsuites", "testsuite", "testcase", "failure", "error", "skipped", "properties", "property":
				default:
					t.Errorf("unexpected element <%s> in JUnit XML", e)
				}
			}
			if !bytes.Contains(b, []byte(hostileName)) && !strings.Contains(fmt.Sprint(doc), hostileName) {
				t.Error("hostile display name lost from the evidence")
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	run := sampleRun()
	b := render(t, "json", run, sampleOptions("ja"))
	back, err := finding.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json replaces invalid UTF-8 with U+FFFD when it first
	// encodes a run, so compare from the first decoded form on.
	once, err := back.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back2, err := finding.Unmarshal(once)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := back2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(once, twice) {
		t.Errorf("JSON does not round-trip:\n%s", firstDiff(once, twice))
	}
	if want, _ := run.Marshal(); !bytes.Equal(b, want) {
		t.Error("json format is not run.Marshal()")
	}
	if len(back.Results) != len(run.Results) || bytes.Contains(b, []byte(`"new"`)) {
		t.Error("JSON is not the run as-is")
	}
}
