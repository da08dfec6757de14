package ident

import (
	"strings"
	"testing"
)

// FuzzAnalyze: any list of values (split on newlines) is analysed without a
// panic, and the report is bounded and consistent.
func FuzzAnalyze(f *testing.F) {
	f.Add("a\nb\nc")
	f.Add("1000\n1001\n1002\n1003")
	f.Add("00:11:22:33:44:55-x\n00:11:22:33:44:55-y")
	f.Add("MTIzNDU2Nzg5MDEyMzQ1Ng==\nMTIzNDU2Nzg5MDEyMzQ1Nw==")
	f.Add("\n\n\xff\xfe\n10.0.0.1")
	f.Fuzz(func(t *testing.T, s string) {
		vals := strings.Split(s, "\n")
		r := Analyze("fuzz", vals)
		if r.Samples > len(vals) || r.Distinct > r.Samples || r.Duplicates+r.Distinct != r.Samples {
			t.Fatalf("inconsistent counts: %+v", r)
		}
		if r.MinEntropyBits < 0 || r.MinEntropyBits > 8*MaxValueLen+1 {
			t.Fatalf("estimate out of range: %v", r.MinEntropyBits)
		}
		if r.Predictable && r.Insufficient {
			t.Fatal("verdict without enough samples")
		}
	})
}
