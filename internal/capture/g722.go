package capture

// G.722 decoding (ITU-T G.722, 64 kbit/s mode): each byte carries a 6-bit
// low sub-band ADPCM code and a 2-bit high sub-band code; the two
// reconstructed sub-band samples pass the receive QMF and give two 16 kHz
// output samples. The tables and the block structure (INVQBL, LOGSCL,
// SCALEL, the pole/zero predictor of block 4, the QMF) are those of the
// Recommendation.

var (
	g722WL   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	g722RL42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	g722ILB  = [32]int32{2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
		2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008}
	g722WH  = [3]int32{0, -214, 798}
	g722RH2 = [4]int32{2, 1, 2, 1}
	g722QM2 = [4]int32{-7408, -1616, 7408, 1616}
	g722QM4 = [16]int32{0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0}
	g722QM6 = [64]int32{-136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
		-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
		24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
		4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136}
	g722QMF = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
)

// g722Band is the ADPCM state of one sub-band.
type g722Band struct {
	s, sp, sz int32
	r, a, ap  [3]int32
	p         [3]int32
	d, b, bp  [7]int32
	sg        [7]int32
	nb, det   int32
}

// g722Decoder decodes one G.722 stream.
type g722Decoder struct {
	band [2]g722Band
	x    [24]int32 // QMF history
}

func newG722Decoder() *g722Decoder {
	d := &g722Decoder{}
	d.band[0].det = 32
	d.band[1].det = 8
	return d
}

func sat16(v int32) int32 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return v
}

func clampI32(v, lo, hi int32) int32 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// adapt runs block 4 (reconstruction, pole and zero predictor update,
// prediction) of a sub-band with the quantised difference d.
func (b *g722Band) adapt(d int32) {
	b.d[0] = d
	b.r[0] = sat16(b.s + d)
	b.p[0] = sat16(b.sz + d)

	// UPPOL2
	for i := 0; i < 3; i++ {
		b.sg[i] = b.p[i] >> 15
	}
	wd1 := sat16(b.a[1] << 2)
	wd2 := wd1
	if b.sg[0] == b.sg[1] {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := wd2 >> 7
	if b.sg[0] == b.sg[2] {
		wd3 += 128
	} else {
		wd3 -= 128
	}
	wd3 += (b.a[2] * 32512) >> 15
	b.ap[2] = clampI32(wd3, -12288, 12288)

	// UPPOL1
	b.sg[0] = b.p[0] >> 15
	b.sg[1] = b.p[1] >> 15
	wd1 = -192
	if b.sg[0] == b.sg[1] {
		wd1 = 192
	}
	wd2 = (b.a[1] * 32640) >> 15
	b.ap[1] = sat16(wd1 + wd2)
	lim := sat16(15360 - b.ap[2])
	b.ap[1] = clampI32(b.ap[1], -lim, lim)

	// UPZERO
	var step int32
	if d != 0 {
		step = 128
	}
	b.sg[0] = d >> 15
	for i := 1; i < 7; i++ {
		b.sg[i] = b.d[i] >> 15
		w := -step
		if b.sg[i] == b.sg[0] {
			w = step
		}
		b.bp[i] = sat16(w + (b.b[i]*32640)>>15)
	}

	// DELAYA
	for i := 6; i > 0; i-- {
		b.d[i] = b.d[i-1]
		b.b[i] = b.bp[i]
	}
	for i := 2; i > 0; i-- {
		b.r[i] = b.r[i-1]
		b.p[i] = b.p[i-1]
		b.a[i] = b.ap[i]
	}

	// FILTEP, FILTEZ, PREDIC
	wd1 = (b.a[1] * sat16(b.r[1]+b.r[1])) >> 15
	wd2 = (b.a[2] * sat16(b.r[2]+b.r[2])) >> 15
	b.sp = sat16(wd1 + wd2)
	var sz int32
	for i := 6; i > 0; i-- {
		sz += (b.b[i] * sat16(b.d[i]+b.d[i])) >> 15
	}
	b.sz = sat16(sz)
	b.s = sat16(b.sp + b.sz)
}

// scale updates a sub-band's log scale factor nb by w and derives the
// linear scale factor det (LOGSCL/SCALEL, LOGSCH/SCALEH).
func (b *g722Band) scale(w, maxNB, shift int32) {
	b.nb = clampI32((b.nb*127)>>7+w, 0, maxNB)
	i := (b.nb >> 6) & 31
	s := shift - (b.nb >> 11)
	var v int32
	if s < 0 {
		v = g722ILB[i] << -s
	} else {
		v = g722ILB[i] >> s
	}
	b.det = v << 2
}

// decode appends the 16 kHz samples of a G.722 payload (two per byte) to
// dst.
func (g *g722Decoder) decode(dst []int16, payload []byte) []int16 {
	for _, code := range payload {
		x1, x2 := g.step(code)
		dst = append(dst, int16(sat16(x1)), int16(sat16(x2)))
	}
	return dst
}

// step decodes one code byte into two output samples before they are
// limited to 16 bits.
func (g *g722Decoder) step(code byte) (int32, int32) {
	lo, hi := &g.band[0], &g.band[1]
	ilow := int32(code & 0x3f)
	ihigh := int32(code>>6) & 3

	// low band: INVQBL, RECONS, LIMIT
	rlow := clampI32(lo.s+(lo.det*g722QM6[ilow])>>15, -16384, 16383)
	il4 := ilow >> 2
	dlow := (lo.det * g722QM4[il4]) >> 15
	lo.scale(g722WL[g722RL42[il4]], 18432, 8)
	lo.adapt(dlow)

	// high band: INVQAH, RECONS, LIMIT
	dhigh := (hi.det * g722QM2[ihigh]) >> 15
	rhigh := clampI32(dhigh+hi.s, -16384, 16383)
	hi.scale(g722WH[g722RH2[ihigh]], 22528, 10)
	hi.adapt(dhigh)

	// receive QMF
	copy(g.x[:22], g.x[2:])
	g.x[22] = rlow + rhigh
	g.x[23] = rlow - rhigh
	var x1, x2 int32
	for i := 0; i < 12; i++ {
		x2 += g.x[2*i] * g722QMF[i]
		x1 += g.x[2*i+1] * g722QMF[11-i]
	}
	return x1 >> 11, x2 >> 11
}
