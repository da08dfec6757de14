package md5x

import (
	"math"
	"math/bits"
	"unsafe"
)

// kTable returns MD5's 64 additive constants, floor(abs(sin(i+1)) * 2^32).
func kTable() []uint32 {
	k := make([]uint32, 64)
	for i := range k {
		k[i] = uint32(math.Floor(math.Abs(math.Sin(float64(i+1))) * (1 << 32)))
	}
	return k
}

func shift(i int) int {
	return [4][4]int{{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}}[i/16][i%4]
}

// word is the message word step i adds.
func word(i int) int {
	switch i / 16 {
	case 0:
		return i
	case 1:
		return (5*i + 1) % 16
	case 2:
		return (3*i + 5) % 16
	}
	return (7 * i) % 16
}

// steps runs the 64 steps from h with per-step addends add[i] (constant plus
// message word) and returns the result without the feed-forward.
func steps(h [4]uint32, add *[64]uint32) [4]uint32 {
	a, b, c, d := h[0], h[1], h[2], h[3]
	for i := 0; i < 64; i++ {
		var f uint32
		switch i / 16 {
		case 0:
			f = d ^ (b & (c ^ d))
		case 1:
			f = c ^ (d & (b ^ c))
		case 2:
			f = b ^ c ^ d
		default:
			f = c ^ (b | ^d)
		}
		a = b + bits.RotateLeft32(a+f+add[i], shift(i))
		a, b, c, d = d, a, b, c
	}
	return [4]uint32{a, b, c, d}
}

func compress(h *[4]uint32, m *[16]uint32, k []uint32) {
	var add [64]uint32
	for i := range add {
		add[i] = k[i] + m[word(i)]
	}
	r := steps(*h, &add)
	for w := range h {
		h[w] += r[w]
	}
}

// words views n uint32 starting at p.
func words(p *uint32, n int) []uint32 { return unsafe.Slice(p, n) }

func genericBlock(k *Kernel, sp, mp *uint32) {
	L := k.lanes
	state, msg := words(sp, 4*L), words(mp, 16*L)
	kt := kTable()
	for l := 0; l < L; l++ {
		var h [4]uint32
		var m [16]uint32
		for w := range h {
			h[w] = state[w*L+l]
		}
		for w := range m {
			m[w] = msg[w*L+l]
		}
		compress(&h, &m, kt)
		for w := range h {
			state[w*L+l] = h[w]
		}
	}
}

func hexDigit(n uint32) uint32 {
	if n < 10 {
		return '0' + n
	}
	return 'a' - 10 + n
}

// hexWords writes the lowercase hex of the digest word x as two message words.
func hexWords(x uint32) (uint32, uint32) {
	var out [2]uint32
	for i := 0; i < 4; i++ {
		b := (x >> (8 * i)) & 0xff
		pair := hexDigit(b>>4) | hexDigit(b&15)<<8
		out[i/2] |= pair << (16 * (i % 2))
	}
	return out[0], out[1]
}

func genericHexChain(k *Kernel, sp, scp, schp *uint32, nblocks int) {
	L := k.lanes
	state := words(sp, 4*L)
	sched := words(schp, 64*nblocks)
	_ = scp
	for l := 0; l < L; l++ {
		var m [8]uint32
		for w := 0; w < 4; w++ {
			m[2*w], m[2*w+1] = hexWords(state[w*L+l])
		}
		h := IV()
		var add [64]uint32
		for i := range add {
			add[i] = sched[i]
			if g := word(i); g < 8 {
				add[i] += m[g]
			}
		}
		r := steps(h, &add)
		for w := range h {
			h[w] += r[w]
		}
		for b := 1; b < nblocks; b++ {
			copy(add[:], sched[b*64:])
			r := steps(h, &add)
			for w := range h {
				h[w] += r[w]
			}
		}
		for w := range h {
			state[w*L+l] = h[w]
		}
	}
}
