package capture

import (
	"math"
	"slices"
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
		if _, ok := gate(&g.block); ok {
			t.Fatal("a 200+400 Hz block passed the gate")
		}
	})
}

// referenceFeed is the detector without the skipping of even blocks: every
// block is examined. TestGoertzelSkipsNothing holds feed to it.
func referenceFeed(g *goertzel, s []int16) []toneHit {
	var hits []toneHit
	for len(s) > 0 {
		k := copy(g.block[g.n:], s)
		g.n += k
		s = s[k:]
		if g.n < goertzelN {
			g.pos += int64(k)
			break
		}
		g.pos += int64(k) - 1
		d := g.detect(&g.block)
		if d != "" && d == g.prev {
			g.count++
			if g.count == 2 && !g.fired {
				g.fired = true
				hits = append(hits, toneHit{d, g.pos})
			}
		} else {
			g.prev, g.count, g.fired = d, 1, false
		}
		g.pos++
		g.n = 0
	}
	return hits
}

// TestGoertzelSkipsNothing compares the detector with the reference that
// examines every block, on random sequences of key tones of random lengths
// (down to one block), pauses, noise and speech-like sound, fed in packets
// of random sizes: the same key presses at the same positions.
func TestGoertzelSkipsNothing(t *testing.T) {
	rows := []float64{697, 770, 852, 941}
	cols := []float64{1209, 1336, 1477, 1633}
	seed := uint32(12345)
	rnd := func(n int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % n
	}
	total := 0
	for trial := range 40 {
		var pcm []int16
		for range 60 {
			n := 100 + rnd(900)
			switch rnd(4) {
			case 0: // a key
				i := rnd(16)
				fr, fc := rows[i/4], cols[i%4]
				for k := range n {
					v := 5000*math.Sin(2*math.Pi*fr*float64(k)/8000) + 5000*math.Sin(2*math.Pi*fc*float64(k)/8000)
					pcm = append(pcm, int16(v))
				}
			case 1: // silence
				pcm = append(pcm, make([]int16, n)...)
			case 2: // noise
				for range n {
					pcm = append(pcm, int16(rnd(8000)-4000))
				}
			default: // voiced
				for k := range n {
					pcm = append(pcm, int16(8000*math.Sin(2*math.Pi*180*float64(k)/8000)+2000*math.Sin(2*math.Pi*900*float64(k)/8000)))
				}
			}
		}
		g, ref := newGoertzel(), newGoertzel()
		var got, want []toneHit
		for off := 0; off < len(pcm); {
			end := min(len(pcm), off+1+rnd(400))
			got = append(got, g.feed(pcm[off:end])...)
			want = append(want, referenceFeed(ref, pcm[off:end])...)
			off = end
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d hits, reference %d", trial, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d hit %d: %+v, reference %+v", trial, i, got[i], want[i])
			}
		}
		total += len(got)
	}
	if total < 100 {
		t.Fatalf("only %d key presses in all trials: the comparison says little", total)
	}
	t.Logf("%d key presses, all equal to the reference's", total)
}

// TestGateSums holds gate's unrolled sums to the plain loop over random
// and extreme blocks.
func TestGateSums(t *testing.T) {
	ref := func(blk *[goertzelN]int16) (float64, bool) {
		var e, d int64
		for i, v := range blk {
			x := int64(v)
			e += x * x
			if i > 0 {
				t := x - int64(blk[i-1])
				d += t * t
			}
		}
		return float64(e), e >= minBlockEnergy && d*100 >= e*8 && d <= e*3
	}
	seed := uint32(7)
	for n := range 2000 {
		var blk [goertzelN]int16
		for i := range blk {
			seed = seed*1664525 + 1013904223
			switch n % 4 {
			case 0:
				blk[i] = int16(seed >> 16)
			case 1:
				blk[i] = int16(int32(seed>>16) % 700)
			case 2:
				blk[i] = [2]int16{-32768, 32767}[(seed>>16)&1]
			default:
				blk[i] = int16(3000 * math.Sin(float64(i)*float64(n%40)/20))
			}
		}
		we, wok := ref(&blk)
		if e, ok := gate(&blk); e != we || ok != wok {
			t.Fatalf("block %d: gate = %v, %v; plain loop %v, %v", n, e, ok, we, wok)
		}
	}
}

// TestFeedG711 holds feedG711 to feed of the decoded samples: the same
// key presses at the same positions, whatever the packet sizes.
func TestFeedG711(t *testing.T) {
	ulaw, alaw := g711Tables()
	for _, table := range []*[256]int16{ulaw, alaw} {
		// the byte whose sample is nearest to v
		encode := func(v float64) byte {
			best := 0
			for b := range 256 {
				if math.Abs(float64(table[b])-v) < math.Abs(float64(table[best])-v) {
					best = b
				}
			}
			return byte(best)
		}
		var stream []byte
		seed := uint32(5)
		for key := range 16 {
			fr, fc := []float64{697, 770, 852, 941}[key/4], []float64{1209, 1336, 1477, 1633}[key%4]
			for n := range 800 { // 100 ms of tone
				stream = append(stream, encode(6000*math.Sin(2*math.Pi*fr*float64(n)/8000)+6000*math.Sin(2*math.Pi*fc*float64(n)/8000)))
			}
			for range 700 { // then noise
				seed = seed*1664525 + 1013904223
				stream = append(stream, byte(seed>>24))
			}
		}
		a, b := newGoertzel(), newGoertzel()
		var want, got []toneHit
		for off := 0; off < len(stream); {
			seed = seed*1664525 + 1013904223
			n := min(int(seed>>24)%400+1, len(stream)-off)
			want = append(want, a.feed(decodeG711(nil, stream[off:off+n], table))...)
			got = append(got, b.feedG711(stream[off:off+n], table)...)
			off += n
		}
		if len(want) != 16 {
			t.Fatalf("feed found %d key presses in 16 tones", len(want))
		}
		if !slices.Equal(got, want) || a.pos != b.pos {
			t.Fatalf("feedG711 = %v (pos %d), feed = %v (pos %d)", got, b.pos, want, a.pos)
		}
	}
	// The codec changing between packets (inside blocks), and feed and
	// feedG711 taking turns on one detector: each packet is encoded with
	// its own codec, so the audio stays the same tones.
	var pcm []float64
	for key := range 16 {
		fr, fc := []float64{697, 770, 852, 941}[key/4], []float64{1209, 1336, 1477, 1633}[key%4]
		for n := range 900 {
			pcm = append(pcm, 6000*math.Sin(2*math.Pi*fr*float64(n)/8000)+6000*math.Sin(2*math.Pi*fc*float64(n)/8000))
		}
		pcm = append(pcm, make([]float64, 600)...)
	}
	var enc [2][]byte
	for k, table := range []*[256]int16{ulaw, alaw} {
		for _, v := range pcm {
			best := 0
			for b := range 256 {
				if math.Abs(float64(table[b])-v) < math.Abs(float64(table[best])-v) {
					best = b
				}
			}
			enc[k] = append(enc[k], byte(best))
		}
	}
	for _, mixed := range []bool{false, true} {
		a, b := newGoertzel(), newGoertzel()
		var want, got []toneHit
		for i, off := 0, 0; off < len(pcm); i++ {
			n := min(97+i%150, len(pcm)-off)
			table := [2]*[256]int16{ulaw, alaw}[i/3%2]
			chunk := enc[i/3%2][off : off+n]
			want = append(want, a.feed(decodeG711(nil, chunk, table))...)
			if mixed && i%5 == 4 {
				got = append(got, b.feed(decodeG711(nil, chunk, table))...)
			} else {
				got = append(got, b.feedG711(chunk, table)...)
			}
			off += n
		}
		if len(want) != 16 {
			t.Fatalf("feed found %d key presses in 16 tones of both codecs", len(want))
		}
		if !slices.Equal(got, want) || a.pos != b.pos {
			t.Fatalf("mixed %v: feedG711 = %v (pos %d), feed = %v (pos %d)", mixed, got, b.pos, want, a.pos)
		}
	}
}

// TestEntropyTerms holds entropy to the plain sum of p·log2(p) per bin,
// bit for bit, on histograms with repeated, large and single counts.
func TestEntropyTerms(t *testing.T) {
	plain := func(counts []int64) float64 {
		var n int64
		for _, c := range counts {
			n += c
		}
		h := 0.0
		for _, c := range counts {
			if c > 0 {
				p := float64(c) / float64(n)
				h -= p * math.Log2(p)
			}
		}
		return h
	}
	seed := uint32(9)
	for k := range 300 {
		counts := make([]int64, 1+k%256)
		for i := range counts {
			seed = seed*1664525 + 1013904223
			switch k % 3 {
			case 0:
				counts[i] = int64(seed>>26) + 40 // many repeats
			case 1:
				counts[i] = int64(seed >> 18) // mostly above the memo
			default:
				counts[i] = int64(seed>>30) * int64(seed>>29&1) // zeros and ones
			}
		}
		if got, want := entropy(slices.Values(counts)), plain(counts); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("histogram %d: entropy %v, plain sum %v", k, got, want)
		}
	}
	if got := entropy(slices.Values([]int64{0, 7, 0})); got != 0 {
		t.Fatalf("one bin: entropy %v", got)
	}
}

// TestSizeHistRuns holds the run counting of sizeHist to counting every
// packet at once (as before runs), past maxSizes distinct sizes too.
func TestSizeHistRuns(t *testing.T) {
	seed := uint32(3)
	next := func(n int) int { seed = seed*1664525 + 1013904223; return int(seed>>8) % n }
	for k := range 60 {
		var h sizeHist
		ref, distinct := map[int]int64{}, 0
		for range 20000 {
			n := next(3 + k*100) // up to thousands of sizes, some above 512
			for range 1 + next(4) {
				h.add(n)
				if distinct >= maxSizes {
					continue
				}
				if ref[n] == 0 {
					distinct++
				}
				ref[n]++
			}
		}
		got := h.counts()
		if len(got) != len(ref) {
			t.Fatalf("case %d: %d sizes, want %d", k, len(got), len(ref))
		}
		for n, c := range ref {
			if got[n] != c {
				t.Fatalf("case %d: size %d counted %d, want %d", k, n, got[n], c)
			}
		}
	}
}
