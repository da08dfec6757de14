package capture

import "math"

// DTMFDigit is one recovered key press.
type DTMFDigit struct {
	// Digit is 0-9, *, #, A-D.
	Digit string `json:"digit"`
	// Source is "rfc4733" or "inband".
	Source string `json:"source"`
	// Stream is the index of the stream in Report.Streams.
	Stream int `json:"stream"`
	// Offset is the time from the start of the capture in seconds.
	Offset float64 `json:"offset"`
}

// eventDigit maps an RFC 4733 §3.2 event code to its key.
func eventDigit(ev byte) (string, bool) {
	const keys = "0123456789*#ABCD"
	if ev < 16 {
		return keys[ev : ev+1], true
	}
	return "", false
}

// goertzel detects DTMF tones (ITU-T Q.23/Q.24) in 8 kHz PCM with the
// Goertzel algorithm over 205-sample blocks. Blocks that cannot hold a
// dual tone are rejected by cheap integer gates (energy, and the energy of
// the first difference, which measures where the spectrum lies) before the
// eight filters run.
type goertzel struct {
	block [goertzelN]int16
	n     int // samples in block
	coef  [8]float64
	prev  string // digit of the previous block
	count int    // consecutive blocks with prev
	fired bool
	// samples consumed, for the time of a detection
	pos  int64
	hits []toneHit
	// Blocks are numbered; an even block whose predecessor held no digit
	// is kept (held, heldAt) and examined only if the odd block after it
	// holds one. A key press needs two consecutive blocks with the same
	// digit, and every such pair contains an odd block, so skipping the
	// even blocks next to two empty ones changes no detection and halves
	// the work on speech and noise.
	blocks  int64
	last    string // digit of the last block examined or inferred
	held    [goertzelN]int16
	heldAt  int64
	holding bool
	// feedG711 keeps a block it knows will be held as G.711 bytes (raw,
	// decoded with rawTable), and decodes it only if it is examined:
	// most held blocks never are.
	raw       [goertzelN]byte
	rawTable  *[256]int16
	inRaw     bool // the current block is in raw
	heldRaw   [goertzelN]byte
	heldTable *[256]int16 // non-nil: the held block is heldRaw, not held
}

// toneHit is one detected key press: the digit and the sample position.
type toneHit struct {
	digit string
	at    int64
}

const goertzelN = 205

// minBlockEnergy is the quietest block examined (about -44 dBFS).
const minBlockEnergy = goertzelN * 200 * 200

func dtmfFreqs() [8]float64 { return [8]float64{697, 770, 852, 941, 1209, 1336, 1477, 1633} }

func newGoertzel() *goertzel {
	g := &goertzel{}
	for i, f := range dtmfFreqs() {
		k := math.Round(goertzelN * f / 8000)
		g.coef[i] = 2 * math.Cos(2*math.Pi*k/goertzelN)
	}
	return g
}

// feed consumes samples and returns the key presses completed in them (a
// tone present for at least two blocks, about 50 ms). The returned slice
// is reused by the next call.
func (g *goertzel) feed(s []int16) []toneHit {
	g.hits = g.hits[:0]
	g.decodeRaw() // after feedG711: the block so far as samples
	for len(s) > 0 {
		k := copy(g.block[g.n:], s)
		s = s[k:]
		if !g.placed(k) {
			break
		}
	}
	return g.hits
}

// feedG711 is feed(decodeG711(nil, b, table)) without the decoded copy:
// the G.711 bytes are decoded straight into the blocks, and a block that
// will be held (an even block after an empty one) is kept as bytes.
func (g *goertzel) feedG711(b []byte, table *[256]int16) []toneHit {
	g.hits = g.hits[:0]
	for len(b) > 0 {
		if g.n == 0 {
			g.inRaw, g.rawTable = g.blocks%2 == 0 && g.last == "", table
		} else if table != g.rawTable {
			g.decodeRaw() // the codec changed inside the block
		}
		k := min(len(b), goertzelN-g.n)
		if g.inRaw {
			copy(g.raw[g.n:], b[:k])
		} else {
			decodeInto(g.block[g.n:g.n+k], b[:k], table)
		}
		b = b[k:]
		if !g.placed(k) {
			break
		}
	}
	return g.hits
}

// decodeRaw turns a block kept as G.711 bytes into samples.
func (g *goertzel) decodeRaw() {
	if g.inRaw {
		decodeInto(g.block[:g.n], g.raw[:g.n], g.rawTable)
		g.inRaw = false
	}
}

// placed counts k samples just put in the block and completes the block
// when it is full; false when it is not (the input ended inside it).
func (g *goertzel) placed(k int) bool {
	g.n += k
	if g.n < goertzelN {
		g.pos += int64(k)
		return false
	}
	// The detection time is the position of the block's last sample.
	g.pos += int64(k) - 1
	g.complete()
	g.pos++
	g.n = 0
	return true
}

// decodeInto decodes G.711 bytes into dst (as long as src).
func decodeInto(dst []int16, src []byte, table *[256]int16) {
	dst = dst[:len(src)]
	for i, c := range src {
		dst[i] = table[c]
	}
}

// complete handles a full block (see the blocks field).
func (g *goertzel) complete() {
	b := g.blocks
	g.blocks++
	if b%2 == 0 {
		if g.last == "" {
			if g.inRaw { // feedG711 kept it as bytes
				g.heldRaw, g.heldTable = g.raw, g.rawTable
			} else {
				g.held, g.heldTable = g.block, nil
			}
			g.heldAt, g.holding = g.pos, true
			return
		}
		g.step(g.detect(&g.block), g.pos)
		return
	}
	d := g.detect(&g.block)
	if g.holding {
		g.holding = false
		held := ""
		if d != "" {
			if g.heldTable != nil {
				decodeInto(g.held[:], g.heldRaw[:], g.heldTable)
			}
			held = g.detect(&g.held)
		}
		g.step(held, g.heldAt)
	}
	g.step(d, g.pos)
}

// step advances the key-press state machine by one block's digit.
func (g *goertzel) step(d string, at int64) {
	g.last = d
	if d != "" && d == g.prev {
		g.count++
		if g.count == 2 && !g.fired {
			g.fired = true
			g.hits = append(g.hits, toneHit{d, at})
		}
		return
	}
	g.prev, g.count, g.fired = d, 1, false
}

// group4 runs the Goertzel filters of one frequency group (coefficients
// c) over a block and returns their powers, the strongest, and whether it
// dominates the others (each at most a sixth of it).
func group4(blk *[goertzelN]int16, c *[4]float64) (p [4]float64, top int, ok bool) {
	var a1, a2, b1, b2, c1, c2, d1, d2 float64
	for _, v := range blk {
		x := float64(v)
		a1, a2 = x+c[0]*a1-a2, a1
		b1, b2 = x+c[1]*b1-b2, b1
		c1, c2 = x+c[2]*c1-c2, c1
		d1, d2 = x+c[3]*d1-d2, d1
	}
	pw := func(s1, s2, k float64) float64 { return s1*s1 + s2*s2 - k*s1*s2 }
	p = [4]float64{pw(a1, a2, c[0]), pw(b1, b2, c[1]), pw(c1, c2, c[2]), pw(d1, d2, c[3])}
	for i := 1; i < 4; i++ {
		if p[i] > p[top] {
			top = i
		}
	}
	for i := range p {
		if i != top && p[i]*6 > p[top] {
			return p, top, false
		}
	}
	return p, top, true
}

// gate tells whether a block can hold a DTMF dual tone. It needs the block
// energy E (sum of squares) at least minBlockEnergy, and the energy D of
// the first difference within the bounds a dual tone allows: a sine of
// frequency f has D/E = 2(1-cos(2πf/8000)), 0.29 at 697 Hz and 1.43 at
// 1633 Hz. detect requires the two tones to hold 60% of E, so D/E is at
// least 0.6×0.25 (tones down to 650 Hz) and at most 0.6×1.5+0.4×4; the
// gate keeps [0.08, 3] for margin. Voiced speech (most energy below
// 400 Hz) and silence fail it.
func gate(blk *[goertzelN]int16) (energy float64, ok bool) {
	// Four samples a step into two pairs of sums, so that the additions
	// do not all wait on one another.
	var e0, e1, d0, d1 int64
	prev := int64(blk[0])
	e0 = prev * prev
	s := blk[1:]
	for len(s) >= 4 {
		x0, x1, x2, x3 := int64(s[0]), int64(s[1]), int64(s[2]), int64(s[3])
		t0, t1, t2, t3 := x0-prev, x1-x0, x2-x1, x3-x2
		e0 += x0*x0 + x2*x2
		e1 += x1*x1 + x3*x3
		d0 += t0*t0 + t2*t2
		d1 += t1*t1 + t3*t3
		prev = x3
		s = s[4:]
	}
	for _, v := range s {
		x := int64(v)
		e0 += x * x
		t := x - prev
		d0 += t * t
		prev = x
	}
	e, d := e0+e1, d0+d1
	if e < minBlockEnergy || d*100 < e*8 || d > e*3 {
		return float64(e), false
	}
	return float64(e), true
}

func (g *goertzel) detect(blk *[goertzelN]int16) string {
	var p [8]float64
	energy, ok := gate(blk)
	if !ok {
		return ""
	}
	// The low (row) group first: most blocks that pass the gate (speech,
	// music) fail here, and the high group is not run for them.
	p0, row, ok := group4(blk, (*[4]float64)(g.coef[:4]))
	if !ok {
		return ""
	}
	copy(p[:4], p0[:])
	// As the column tone is at most 6.3 times the row tone (twist, below),
	// the pair can hold 60% of the energy only if the row tone alone holds
	// 0.6/7.3 of it.
	if p[row]*7.4*2/goertzelN < 0.6*energy { // 7.4, not 7.3: margin for rounding
		return ""
	}
	p1, col, ok := group4(blk, (*[4]float64)(g.coef[4:]))
	if !ok {
		return ""
	}
	copy(p[4:], p1[:])
	col += 4
	// Twist: the tones' powers are within 8 dB of each other.
	if p[row] > p[col]*6.3 || p[col] > p[row]*6.3 {
		return ""
	}
	// Goertzel power of a pure tone of amplitude A is about (A*N/2)^2; the
	// block energy is A^2*N/2. Require the two tones to hold 60% of it.
	tones := (p[row] + p[col]) * 2 / goertzelN
	if tones < 0.6*energy {
		return ""
	}
	const keys = "123A456B789C*0#D"
	i := row*4 + (col - 4)
	return keys[i : i+1]
}
