package capture

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// TestDump prints the report of the capture named by SIPVET_DUMP (a
// development aid; skipped otherwise).
func TestDump(t *testing.T) {
	path := os.Getenv("SIPVET_DUMP")
	if path == "" {
		t.Skip("set SIPVET_DUMP=FILE to print the report of a capture")
	}
	o := Options{}
	if d := os.Getenv("SIPVET_DUMP_AUDIO"); d != "" {
		o.Audio = DirStore{Dir: d}
	}
	rep, st, err := AnalyzeFile(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rep.Digests {
		rep.Digests[i].Evidence = nil
	}
	for i := range rep.SDES {
		rep.SDES[i].Evidence = nil
	}
	b, _ := json.MarshalIndent(map[string]any{"read": st, "report": rep}, "", "  ")
	t.Logf("%s", b)
}

// TestDumpReadOnly times the reading path alone (frames to packets, no
// analysis) on SIPVET_DUMP; a development aid for scripts/bench-pcap.sh.
func TestDumpReadOnly(t *testing.T) {
	path := os.Getenv("SIPVET_DUMP")
	if path == "" {
		t.Skip("set SIPVET_DUMP=FILE")
	}
	start := time.Now()
	var n int64
	st, err := ReadFile(context.Background(), path, func(p *Packet) { n += int64(len(p.Payload)) })
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start).Seconds()
	t.Logf("read only: %d frames, %.1f MB in %.2f s: %.0f MB/s, %.0f frames/s", st.Frames, float64(st.Bytes)/1e6, el, float64(st.Bytes)/1e6/el, float64(st.Frames)/el)
}
