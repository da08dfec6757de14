package capture

import (
	"math"
	"testing"
)

// TestGoertzelGate checks that the cheap gate never rejects a block the
// full detector accepts: every key, at several levels and twists, with
// noise, is still detected; low-frequency "voiced" blocks are rejected by
// the gate alone.
func TestGoertzelGate(t *testing.T) {
	const keys = "123A456B789C*0#D"
	rows := []float64{697, 770, 852, 941}
	cols := []float64{1209, 1336, 1477, 1633}
	for i := range 16 {
		for _, amp := range []float64{400, 3000, 12000} {
			for _, twist := range []float64{0.5, 1, 2} {
				key := keys[i : i+1]
				t.Run(key, func(t *testing.T) {
					fr, fc := rows[i/4], cols[i%4]
					pcm := make([]int16, 8000/5)
					seed := uint32(i + 1)
					for n := range pcm {
						seed = seed*1664525 + 1013904223
						noise := float64(int32(seed)>>20) * amp / 4000
						v := amp*math.Sin(2*math.Pi*fr*float64(n)/8000) + amp*twist*math.Sin(2*math.Pi*fc*float64(n)/8000) + noise
						pcm[n] = int16(max(min(v, 32767), -32768))
					}
					g := newGoertzel()
					var got []string
					for off := 0; off < len(pcm); off += 160 {
						for _, h := range g.feed(pcm[off:min(off+160, len(pcm))]) {
							got = append(got, h.digit)
						}
					}
					if len(got) != 1 || got[0] != key {
						t.Fatalf("amp %v twist %v: got %v, want [%s]", amp, twist, got, key)
					}
				})
			}
		}
	}
	t.Run("voiced", func(t *testing.T) {
		g := newGoertzel()
		for n := range g.block {
			g.block[n] = int16(8000*math.Sin(2*math.Pi*200*float64(n)/8000) + 3000*math.Sin(2*math.Pi*400*float64(n)/8000))
		}
		if _, ok := g.gate(); ok {
			t.Fatal("a 200+400 Hz block passed the gate")
		}
	})
}
