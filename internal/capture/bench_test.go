package capture

import (
	"context"
	"os"
	"testing"
)

// BenchmarkAnalyzeFile audits the capture named by SIPVET_BENCH_FILE (for
// example the one scripts/bench-pcap.sh builds); it is skipped without it.
func BenchmarkAnalyzeFile(b *testing.B) {
	path := os.Getenv("SIPVET_BENCH_FILE")
	if path == "" {
		b.Skip("set SIPVET_BENCH_FILE to a capture (scripts/bench-pcap.sh builds /tmp/sipvet-bench.pcap)")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	for b.Loop() {
		if _, _, err := AnalyzeFile(context.Background(), path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
