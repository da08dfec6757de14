package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClean checks that cleanN always yields valid UTF-8 without control
// characters (other than tab and newline) or hidden format characters, and
// respects its limit.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "INVITE sip:a@b SIP/2.0\r\n", "\x00\xff\r\u202e", "ああ", strings.Repeat("\r", 10)} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit = max(0, limit%4096)
		out, dropped := cleanN(s, limit)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		for _, r := range out {
			if (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f || hidden(r) {
				t.Fatalf("control %U left in %q", r, out)
			}
		}
		if dropped < 0 || dropped > len(s) || len(s)-dropped > limit {
			t.Fatalf("dropped %d of %d with limit %d", dropped, len(s), limit)
		}
	})
}

// htmlTag matches the start of an element in HTML output.
var htmlTag = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)`)

// FuzzRenderHostile renders a run whose text fields are hostile and checks
// that no format lets them become markup.
func FuzzRenderHostile(f *testing.F) {
	f.Add("ipa12.fuzz", "<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "```\n</pre>")
	f.Add("a|b", "*x* [l](javascript:alert(1))", "\x00\xff", "]]><x/>")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, check, summary, data, note string) {
		const limit = 2048
		if len(check)+len(summary)+len(data)+len(note) > limit {
			t.Skip()
		}
		run := sampleRun()
		run.Results[0].Check = check
		run.Results[0].Summary = summary
		run.Results[0].Reason = note
		run.Results[0].Evidence[0].Data = data
		run.Results[0].Evidence[0].Note = note
		run.Results[0].Evidence[1].Src = note
		run.Results[0].Data = map[string]any{note: data, "password": summary}
		run.Targets = append(run.Targets, note)
		opts := sampleOptions("ja")
		opts.Baseline.Results[0].Check = check

		var html bytes.Buffer
		if err := Render(&html, "html", run, opts); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		var base bytes.Buffer
		if err := Render(&base, "html", sampleRun(), sampleOptions("ja")); err != nil {
			t.Fatal(err)
		}
		for _, m := range htmlTag.FindAllStringSubmatch(base.String(), -1) {
			want[strings.ToLower(m[1])] = true
		}
		for _, m := range htmlTag.FindAllStringSubmatch(html.String(), -1) {
			if !want[strings.ToLower(m[1])] {
				t.Fatalf("hostile input created a <%s> element", m[1])
			}
		}

		var md bytes.Buffer
		if err := Render(&md, "md", run, opts); err != nil {
			t.Fatal(err)
		}
		text := outsideFences(t, md.String())
		if m := regexp.MustCompile(`(^|[^\\])<[a-zA-Z/!?]`).FindString(text); m != "" {
			t.Fatalf("raw HTML %q outside code blocks in Markdown", m)
		}

		var sarif bytes.Buffer
		if err := Render(&sarif, "sarif", run, opts); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(sarif.Bytes()) {
			t.Fatal("SARIF is not valid JSON")
		}

		var junit bytes.Buffer
		if err := Render(&junit, "junit", run, opts); err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(&junit)
		for {
			tok, err := dec.Token()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("JUnit XML does not parse: %v", err)
				}
				break
			}
			if se, ok := tok.(xml.StartElement); ok && !strings.HasPrefix(se.Name.Local, "test") &&
				!map[string]bool{"failure": true, "error": true, "skipped": true, "properties": true, "property": true}[se.Name.Local] {
				t.Fatalf("hostile input created <%s> in JUnit XML", se.Name.Local)
			}
		}
	})
}
