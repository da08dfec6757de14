package md5x

import "testing"

// BenchmarkBlock measures one-block MD5 throughput of each kernel; the
// "lane-blocks/s" metric is the number of 64-byte MD5 compressions per second
// on one core.
func BenchmarkBlock(b *testing.B) {
	for _, k := range Available() {
		b.Run(k.Name(), func(b *testing.B) {
			L := k.Lanes()
			state := make([]uint32, 4*L)
			msg := make([]uint32, 16*L)
			for b.Loop() {
				k.Block(state, msg)
			}
			b.ReportMetric(float64(b.N)*float64(L)/b.Elapsed().Seconds(), "lane-blocks/s")
		})
	}
}

// BenchmarkHexChain measures the hex-and-hash step of a digest response
// (three blocks, as with qop).
func BenchmarkHexChain(b *testing.B) {
	for _, k := range Available() {
		b.Run(k.Name(), func(b *testing.B) {
			L := k.Lanes()
			state := make([]uint32, 4*L)
			scratch := make([]uint32, 16*L)
			c := k.NewChain(make([]byte, 140))
			for b.Loop() {
				k.HexChain(state, scratch, c)
			}
			b.ReportMetric(float64(b.N)*float64(L*c.Blocks())/b.Elapsed().Seconds(), "lane-blocks/s")
		})
	}
}
