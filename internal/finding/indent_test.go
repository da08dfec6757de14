package finding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// indentCases are JSON texts whose indentation must match encoding/json's.
var indentCases = []string{
	`{}`, `[]`, `{"a":{}}`, `{"a":[],"b":[1,2,{}]}`, `"x"`, `12.5e-3`, `true`, `null`,
	`{"s":"a,b:{c}[d]","q":"say \"hi\" \\ ok","u":"\u00e9\n<>&"}`,
	`[{"a":1},{"b":[true,false,null]},[[],[[]]]]`,
	` { "a" : [ 1 , 2 ] , "b" : { } } `,
	`{"deep":{"er":{"est":[{"k":"v"}]}}}`,
	`["\\", "\\\"", "a\\"]`,
}

// TestAppendIndentMatchesJSON: appendIndent gives json.Indent's bytes.
func TestAppendIndentMatchesJSON(t *testing.T) {
	for _, c := range indentCases {
		var compact, want bytes.Buffer
		if err := json.Compact(&compact, []byte(c)); err != nil {
			t.Fatalf("%q: %v", c, err)
		}
		if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
			t.Fatalf("%q: %v", c, err)
		}
		if got := appendIndent(nil, compact.Bytes(), "  "); string(got) != want.String() {
			t.Errorf("%q:\ngot  %q\nwant %q", c, got, want.String())
		}
	}
}

// TestMarshalIndented: Run.Marshal, which encodes the results
// concurrently and puts them together, gives what one indenting encoder
// gives, with no results, one, or several (and targets that spell the
// results key).
func TestMarshalIndented(t *testing.T) {
	res := func(i int) Result {
		return Result{Item: i, Check: fmt.Sprintf("ipa%02d.x", i), Verdict: Vulnerable, Summary: "x <y> & \"z\" \"results\": null",
			Evidence: []Evidence{{Data: "SIP/2.0 200 OK\r\n"}},
			Data:     map[string]any{"streams": []map[string]any{{"ssrc": i, "wav": ""}, {}}, "empty": []int{}, "n": map[int]int{3: 1, 1: 2}}}
	}
	for _, n := range []int{0, 1, 2, 7} {
		r := &Run{Schema: Schema, Mode: "pcap", Targets: []string{`"results": null`, "a.pcap"}, Lang: "ja"}
		for i := range n {
			r.Results = append(r.Results, res(i+1))
		}
		got, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%d results: Marshal:\n%s\nwant:\n%s", n, got, want.Bytes())
		}
		var written bytes.Buffer
		if err := r.WriteJSON(&written); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(written.Bytes(), want.Bytes()) {
			t.Errorf("%d results: WriteJSON:\n%s\nwant:\n%s", n, written.Bytes(), want.Bytes())
		}
	}
}

// FuzzAppendIndent: for every valid JSON text, compacted, appendIndent
// agrees with json.Indent.
func FuzzAppendIndent(f *testing.F) {
	for _, c := range indentCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var compact, want bytes.Buffer
		if json.Compact(&compact, b) != nil {
			return
		}
		if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := appendIndent(nil, compact.Bytes(), "  "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%q:\ngot  %q\nwant %q", b, got, want.Bytes())
		}
	})
}

// appendInts is an Appender for the tests: a list of ints.
type appendInts []int

func (a appendInts) AppendJSON(b []byte) ([]byte, error) {
	if a == nil {
		return append(b, "null"...), nil
	}
	if len(a) > 0 && a[0] < 0 {
		return nil, errors.New("negative")
	}
	b = append(b, '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return append(b, ']'), nil
}

// TestMarshalAppender: Data values that encode themselves give the bytes
// the plain values give, wherever they sit among the other keys, and an
// Appender's error fails the encoding.
func TestMarshalAppender(t *testing.T) {
	withAppenders := &Run{Schema: Schema, Mode: "pcap", Results: []Result{{Item: 8, Check: "ipa08.x", Verdict: Vulnerable,
		Summary: `"\u0000sipvet-" looks like a marker`,
		Data:    map[string]any{"a": appendInts{3, 1}, "m": "\x00sipvet-0000-a", "streams": appendInts{1, 2, 3}, "z": appendInts(nil), "n": 1}}}}
	plain := &Run{Schema: Schema, Mode: "pcap", Results: []Result{{Item: 8, Check: "ipa08.x", Verdict: Vulnerable,
		Summary: `"\u0000sipvet-" looks like a marker`,
		Data:    map[string]any{"a": []int{3, 1}, "m": "\x00sipvet-0000-a", "streams": []int{1, 2, 3}, "z": []int(nil), "n": 1}}}}
	got, err := withAppenders.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want, err := plain.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("with Appenders:\n%s\nplain:\n%s", got, want)
	}
	withAppenders.Results[0].Data["a"] = appendInts{-1}
	if _, err := withAppenders.Marshal(); err == nil {
		t.Fatal("an Appender's error did not fail Marshal")
	}
}

// indentInts is an IndentAppender for the tests: its indented form is
// json.Indent's of its compact form.
type indentInts struct{ appendInts }

func (a indentInts) AppendIndentJSON(b []byte, depth int) ([]byte, error) {
	c, err := a.AppendJSON(nil)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, c, strings.Repeat("  ", depth), "  "); err != nil {
		return nil, err
	}
	return append(b, buf.Bytes()...), nil
}

// TestMarshalIndentAppender: values that write their indented form are
// spliced at the depth of their key.
func TestMarshalIndentAppender(t *testing.T) {
	mk := func(v, w any) *Run {
		return &Run{Schema: Schema, Mode: "pcap", Results: []Result{
			{Item: 1, Check: "ipa01.x", Verdict: Vulnerable, Data: map[string]any{"rows": v, "b": w, "c": []int{}}},
			{Item: 2, Check: "ipa02.x", Verdict: Vulnerable, Data: map[string]any{"x": 1}},
		}}
	}
	got, err := mk(indentInts{appendInts{1, 2, 3}}, indentInts{appendInts{}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want, err := mk([]int{1, 2, 3}, []int{}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("with IndentAppenders:\n%s\nplain:\n%s", got, want)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWriteJSONErrors: a failing writer and a failing result both make
// WriteJSON fail.
func TestWriteJSONErrors(t *testing.T) {
	r := &Run{Schema: Schema, Mode: "pcap", Results: []Result{{Item: 1, Check: "ipa01.x", Verdict: Vulnerable}, {Item: 2, Check: "ipa02.x", Verdict: Vulnerable}}}
	if err := r.WriteJSON(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("failing writer: %v", err)
	}
	r.Results[1].Data = map[string]any{"bad": appendInts{-1}}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err == nil {
		t.Fatal("a failing result did not fail WriteJSON")
	}
}
