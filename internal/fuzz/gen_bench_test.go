package fuzz

import "testing"

// BenchmarkGenerate measures case generation over the non-dialog sources.
func BenchmarkGenerate(b *testing.B) {
	pl, err := NewPlan(testParams(1), []string{"torture", "protos", "mutation", "application"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = pl.Case(i % pl.Len())
	}
}
