//go:build ignore

// Command gen writes md5x_amd64.s: multi-buffer MD5 kernels in Go assembly
// for SSE2 (4 lanes per vector), AVX2 (8) and AVX-512 (16), each running two
// independent vectors (streams) interleaved to hide instruction latency.
//
// Run from internal/crack/md5x: go run ./asm/gen.go -out md5x_amd64.s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
)

// MD5 per-step shift amounts and message word index.
func shifts(i int) int {
	t := [4][4]int{{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}}
	return t[i/16][i%4]
}

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

// isa describes how to emit one vector flavour.
type isa struct {
	name    string
	width   int // 32-bit lanes per vector
	streams int
	regs    []string
	vec     int // bytes per vector
}

type gen struct {
	b   bytes.Buffer
	isa isa
}

func (g *gen) p(format string, a ...any) { fmt.Fprintf(&g.b, "\t"+format+"\n", a...) }

// lanes is the number of lanes one call computes.
func (s isa) lanes() int { return s.width * s.streams }

// Register allocation per stream: a b c d t u.
func (g *gen) reg(stream, k int) string { return g.isa.regs[stream*6+k] }

// mem addresses: word j of stream s in a word-major buffer of L lanes.
func (g *gen) laneOff(j, s int) int { return (j*g.isa.lanes() + s*g.isa.width) * 4 }

func (g *gen) load(src, dst string) {
	switch g.isa.name {
	case "SSE2":
		g.p("MOVOU %s, %s", src, dst)
	case "AVX2":
		g.p("VMOVDQU %s, %s", src, dst)
	default:
		g.p("VMOVDQU32 %s, %s", src, dst)
	}
}

func (g *gen) store(src, dst string) { g.load(src, dst) }

// add dst += src (src register or memory; SSE2 needs a register for unaligned memory).
func (g *gen) add(src, dst, tmp string) {
	switch g.isa.name {
	case "SSE2":
		if src[len(src)-1] == ')' {
			g.p("MOVOU %s, %s", src, tmp)
			src = tmp
		}
		g.p("PADDL %s, %s", src, dst)
	default:
		g.p("VPADDD %s, %s, %s", src, dst, dst)
	}
}

// op3 emits dst = x OP y for and/or/xor with register operands.
func (g *gen) op(name, src, dst string) {
	sse := map[string]string{"and": "PAND", "or": "POR", "xor": "PXOR", "andn": "PANDN"}
	avx := map[string]string{"and": "VPAND", "or": "VPOR", "xor": "VPXOR", "andn": "VPANDN"}
	avx512 := map[string]string{"and": "VPANDD", "or": "VPORD", "xor": "VPXORD", "andn": "VPANDND"}
	switch g.isa.name {
	case "SSE2":
		g.p("%s %s, %s", sse[name], src, dst)
	case "AVX2":
		g.p("%s %s, %s, %s", avx[name], src, dst, dst)
	default:
		g.p("%s %s, %s, %s", avx512[name], src, dst, dst)
	}
}

func (g *gen) mov(src, dst string) {
	switch g.isa.name {
	case "SSE2":
		g.p("MOVO %s, %s", src, dst)
	case "AVX2":
		g.p("VMOVDQA %s, %s", src, dst)
	default:
		g.p("VMOVDQA32 %s, %s", src, dst)
	}
}

func (g *gen) shl(n int, r string) {
	switch g.isa.name {
	case "SSE2":
		g.p("PSLLL $%d, %s", n, r)
	default:
		g.p("VPSLLD $%d, %s, %s", n, r, r)
	}
}

func (g *gen) shr(n int, r string) {
	switch g.isa.name {
	case "SSE2":
		g.p("PSRLL $%d, %s", n, r)
	default:
		g.p("VPSRLD $%d, %s, %s", n, r, r)
	}
}

// rotl rotates r left by n using u as scratch.
func (g *gen) rotl(n int, r, u string) {
	if g.isa.name == "AVX512" {
		g.p("VPROLD $%d, %s, %s", n, r, r)
		return
	}
	g.mov(r, u)
	g.shl(n, u)
	g.shr(32-n, r)
	g.op("or", u, r)
}

// fn computes the round function of step i of b, c, d into t (u scratch).
func (g *gen) fn(i int, b, c, d, t, u string) {
	if g.isa.name == "AVX512" {
		switch i / 16 {
		case 0:
			g.mov(b, t)
			g.p("VPTERNLOGD $0xca, %s, %s, %s", d, c, t) // b ? c : d
		case 1:
			g.mov(d, t)
			g.p("VPTERNLOGD $0xca, %s, %s, %s", c, b, t) // d ? b : c
		case 2:
			g.mov(b, t)
			g.p("VPTERNLOGD $0x96, %s, %s, %s", d, c, t) // b ^ c ^ d
		default:
			g.mov(b, t)
			g.p("VPTERNLOGD $0x39, %s, %s, %s", d, c, t) // c ^ (b | ^d)
		}
		return
	}
	switch i / 16 {
	case 0: // d ^ (b & (c ^ d))
		g.mov(d, t)
		g.op("xor", c, t)
		g.op("and", b, t)
		g.op("xor", d, t)
	case 1: // c ^ (d & (b ^ c))
		g.mov(c, t)
		g.op("xor", b, t)
		g.op("and", d, t)
		g.op("xor", c, t)
	case 2:
		g.mov(b, t)
		g.op("xor", c, t)
		g.op("xor", d, t)
	default: // c ^ (b | ^d)
		g.load("·ones<>(SB)", t)
		g.op("xor", d, t)
		g.op("or", b, t)
		g.op("xor", c, t)
	}
}

// compress emits the 64 steps for every stream. sched(i) is the memory
// operand holding the per-step constant; msg(i, s) the per-lane message
// operand or "" when the word is already folded into sched.
func (g *gen) compress(sched func(i int) string, msg func(i, s int) string) {
	S := g.isa.streams
	role := make([][4]string, S) // a b c d
	for s := 0; s < S; s++ {
		role[s] = [4]string{g.reg(s, 0), g.reg(s, 1), g.reg(s, 2), g.reg(s, 3)}
	}
	for i := 0; i < 64; i++ {
		for s := 0; s < S; s++ {
			a, b, c, d := role[s][0], role[s][1], role[s][2], role[s][3]
			t, u := g.reg(s, 4), g.reg(s, 5)
			g.add(sched(i), a, u)
			if m := msg(i, s); m != "" {
				g.add(m, a, u)
			}
			g.fn(i, b, c, d, t, u)
			g.add(t, a, u)
			g.rotl(shifts(i), a, u)
			g.add(b, a, u)
			role[s] = [4]string{d, a, b, c}
		}
	}
	// After 64 steps the roles are back to a b c d (64 % 4 == 0).
}

// block emits blockX(state, msg, k *uint32): one compression per lane.
func (g *gen) block() {
	s := g.isa
	fmt.Fprintf(&g.b, "\n// func block%s(state, msg, k *uint32)\nTEXT ·block%s(SB), NOSPLIT, $0-24\n", s.name, s.name)
	g.p("MOVQ state+0(FP), DI")
	g.p("MOVQ msg+8(FP), SI")
	g.p("MOVQ k+16(FP), DX")
	for st := 0; st < s.streams; st++ {
		for w := 0; w < 4; w++ {
			g.load(fmt.Sprintf("%d(DI)", g.laneOff(w, st)), g.reg(st, w))
		}
	}
	g.compress(func(i int) string { return fmt.Sprintf("%d(DX)", i*s.vec) },
		func(i, st int) string { return fmt.Sprintf("%d(SI)", g.laneOff(word(i), st)) })
	for st := 0; st < s.streams; st++ {
		for w := 0; w < 4; w++ {
			g.add(fmt.Sprintf("%d(DI)", g.laneOff(w, st)), g.reg(st, w), g.reg(st, 4))
			g.store(g.reg(st, w), fmt.Sprintf("%d(DI)", g.laneOff(w, st)))
		}
	}
	g.end()
}

func (g *gen) end() {
	if g.isa.name != "SSE2" {
		g.p("VZEROUPPER")
	}
	g.p("RET")
}

// hexWord converts the state vector in r (scratch t, u, v; k holds
// constants on SSE2) into two message words of lowercase hex, stored at out0
// and out1.
func (g *gen) hexWord(r, t, u, v, k, out0, out1 string) {
	// t = L = r & 0x0f; r = H = (r >> 4) & 0x0f
	g.mov(r, t)
	g.op("and", g.c("nib", k), t)
	g.shr(4, r)
	g.op("and", g.c("nib", k), r)
	g.ascii(t, u, v)
	g.ascii(r, u, v)
	// X = (H & 00ff00ff) | ((L & 00ff00ff) << 8) -> u
	g.mov(r, u)
	g.op("and", g.c("lo8", k), u)
	g.mov(t, v)
	g.op("and", g.c("lo8", k), v)
	g.shl(8, v)
	g.op("or", v, u)
	// Y = ((H >> 8) & 00ff00ff) | (L & ff00ff00) -> r
	g.shr(8, r)
	g.op("and", g.c("lo8", k), r)
	g.op("and", g.c("hi8", k), t)
	g.op("or", t, r)
	// w0 = (X & 0000ffff) | (Y << 16)
	g.mov(u, t)
	g.op("and", g.c("lo16", k), t)
	g.mov(r, v)
	g.shl(16, v)
	g.op("or", v, t)
	g.store(t, out0)
	// w1 = (X >> 16) | (Y & ffff0000)
	g.shr(16, u)
	g.op("and", g.c("hi16", k), r)
	g.op("or", u, r)
	g.store(r, out1)
}

// c returns an operand for a constant table: memory for AVX flavours,
// loaded into scratch for SSE2 (its memory operands must be aligned).
func (g *gen) c(name, scratch string) string {
	m := "·" + name + "<>(SB)"
	if g.isa.name == "SSE2" {
		g.load(m, scratch)
		return scratch
	}
	return m
}

// ascii turns nibbles (one per byte) in r into hex digits; u, v scratch.
func (g *gen) ascii(r, u, v string) {
	switch g.isa.name {
	case "SSE2":
		// r += '0' + (r > 9 ? 39 : 0)
		g.mov(r, u)
		g.load("·nine<>(SB)", v)
		g.p("PCMPGTB %s, %s", v, u)
		g.load("·hexadj<>(SB)", v)
		g.p("PAND %s, %s", v, u)
		g.p("PADDB %s, %s", u, r)
		g.load("·zero30<>(SB)", v)
		g.p("PADDB %s, %s", v, r)
	case "AVX2":
		g.p("VMOVDQU ·hexdigits<>(SB), %s", u)
		g.p("VPSHUFB %s, %s, %s", r, u, r)
	default:
		g.p("VMOVDQU32 ·hexdigits<>(SB), %s", u)
		g.p("VPSHUFB %s, %s, %s", r, u, r)
	}
}

// hexChain emits hexChainX(state, scratch, sched *uint32, nblocks int):
// state = MD5 compression chain of hex(state) || tail, where block 0 takes
// words 0–7 from the hex of the state and the constants of every step from
// sched (64 vectors per block, message words 8–15 and later blocks folded in).
func (g *gen) hexChain() {
	s := g.isa
	fmt.Fprintf(&g.b, "\n// func hexChain%s(state, scratch, sched *uint32, nblocks int)\nTEXT ·hexChain%s(SB), NOSPLIT, $0-32\n", s.name, s.name)
	g.p("MOVQ state+0(FP), DI")
	g.p("MOVQ scratch+8(FP), SI")
	g.p("MOVQ sched+16(FP), DX")
	g.p("MOVQ nblocks+24(FP), CX")
	for st := 0; st < s.streams; st++ {
		for w := 0; w < 4; w++ {
			r := g.reg(st, 0)
			g.load(fmt.Sprintf("%d(DI)", g.laneOff(w, st)), r)
			g.hexWord(r, g.reg(st, 1), g.reg(st, 2), g.reg(st, 3), g.reg(st, 4),
				fmt.Sprintf("%d(SI)", g.laneOff(2*w, st)), fmt.Sprintf("%d(SI)", g.laneOff(2*w+1, st)))
		}
	}
	g.iv()
	g.compress(func(i int) string { return fmt.Sprintf("%d(DX)", i*s.vec) },
		func(i, st int) string {
			if word(i) < 8 {
				return fmt.Sprintf("%d(SI)", g.laneOff(word(i), st))
			}
			return ""
		})
	g.feedIV()
	fmt.Fprintf(&g.b, "%s_more:\n", s.name)
	g.p("ADDQ $%d, DX", 64*s.vec)
	g.p("DECQ CX")
	g.p("JZ %s_done", s.name)
	// Later blocks: store the chaining value in state, compress, add it back.
	for st := 0; st < s.streams; st++ {
		for w := 0; w < 4; w++ {
			g.store(g.reg(st, w), fmt.Sprintf("%d(DI)", g.laneOff(w, st)))
		}
	}
	g.compress(func(i int) string { return fmt.Sprintf("%d(DX)", i*s.vec) }, func(int, int) string { return "" })
	for st := 0; st < s.streams; st++ {
		for w := 0; w < 4; w++ {
			g.add(fmt.Sprintf("%d(DI)", g.laneOff(w, st)), g.reg(st, w), g.reg(st, 4))
		}
	}
	g.p("JMP %s_more", s.name)
	fmt.Fprintf(&g.b, "%s_done:\n", s.name)
	for st := 0; st < s.streams; st++ {
		for w := 0; w < 4; w++ {
			g.store(g.reg(st, w), fmt.Sprintf("%d(DI)", g.laneOff(w, st)))
		}
	}
	g.end()
}

func (g *gen) iv() {
	for st := 0; st < g.isa.streams; st++ {
		for w := 0; w < 4; w++ {
			g.load(fmt.Sprintf("·iv<>+%d(SB)", w*64), g.reg(st, w))
		}
	}
}

func (g *gen) feedIV() {
	for st := 0; st < g.isa.streams; st++ {
		for w := 0; w < 4; w++ {
			g.add(fmt.Sprintf("·iv<>+%d(SB)", w*64), g.reg(st, w), g.reg(st, 4))
		}
	}
}

func data(b *bytes.Buffer, name string, words []uint32) {
	for i, w := range words {
		fmt.Fprintf(b, "DATA ·%s<>+%d(SB)/4, $0x%08x\n", name, i*4, w)
	}
	fmt.Fprintf(b, "GLOBL ·%s<>(SB), RODATA|NOPTR, $%d\n\n", name, len(words)*4)
}

func rep(w uint32, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = w
	}
	return out
}

func main() {
	out := flag.String("out", "md5x_amd64.s", "output file")
	flag.Parse()
	var b bytes.Buffer
	b.WriteString("// Code generated by asm/gen.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n\n")
	var iv []uint32
	for _, w := range []uint32{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476} {
		iv = append(iv, rep(w, 16)...)
	}
	data(&b, "iv", iv)
	data(&b, "ones", rep(0xffffffff, 16))
	data(&b, "nib", rep(0x0f0f0f0f, 16))
	data(&b, "lo8", rep(0x00ff00ff, 16))
	data(&b, "hi8", rep(0xff00ff00, 16))
	data(&b, "lo16", rep(0x0000ffff, 16))
	data(&b, "hi16", rep(0xffff0000, 16))
	data(&b, "nine", rep(0x09090909, 4))
	data(&b, "hexadj", rep(0x27272727, 4))
	data(&b, "zero30", rep(0x30303030, 4))
	var hd []uint32
	for i := 0; i < 4; i++ {
		hd = append(hd, 0x33323130, 0x37363534, 0x62613938, 0x66656463) // "0123456789abcdef"
	}
	data(&b, "hexdigits", hd)
	regs := func(prefix string, n int) []string {
		r := make([]string, n)
		for i := range r {
			r[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return r
	}
	for _, s := range []isa{
		{name: "SSE2", width: 4, streams: 2, regs: regs("X", 12), vec: 16},
		{name: "AVX2", width: 8, streams: 2, regs: regs("Y", 12), vec: 32},
		{name: "AVX512", width: 16, streams: 2, regs: regs("Z", 12), vec: 64},
	} {
		g := &gen{isa: s}
		g.block()
		g.hexChain()
		b.Write(g.b.Bytes())
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
