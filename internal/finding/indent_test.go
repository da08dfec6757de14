package finding

import (
	"bytes"
	"encoding/json"
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

// TestMarshalIndented: Run.Marshal gives what an indenting encoder gives.
func TestMarshalIndented(t *testing.T) {
	r := &Run{Schema: Schema, Mode: "pcap", Targets: []string{"a.pcap"}, Results: []Result{
		{Item: 3, Check: "ipa03.captured-digest", Verdict: Vulnerable, Summary: "x <y> & \"z\"",
			Data: map[string]any{"streams": []map[string]any{{"ssrc": 1, "wav": ""}, {}}, "empty": []int{}}},
	}}
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
		t.Errorf("Marshal:\n%s\nwant:\n%s", got, want.Bytes())
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
