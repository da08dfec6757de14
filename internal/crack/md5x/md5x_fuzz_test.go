package md5x

import (
	"crypto/md5"
	"encoding/hex"
	"testing"
)

// FuzzKernels checks that every kernel agrees with crypto/md5: the input is
// split into one message per lane (Block) and used as the tail of a chain.
func FuzzKernels(f *testing.F) {
	f.Add([]byte("alice:example.com:secret"))
	f.Add(make([]byte, 55))
	f.Add(make([]byte, 56))
	f.Add(make([]byte, 300))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 {
			data = data[:512]
		}
		for _, k := range Available() {
			L := k.Lanes()
			msgs := make([][]byte, L)
			for l := range msgs {
				// Lanes share a length; rotate the content per lane.
				m := make([]byte, len(data))
				for i := range m {
					m[i] = data[(i+l)%len(data)] + byte(l)
				}
				msgs[l] = m
			}
			got := sumLanes(k, msgs)
			for l := range msgs {
				if want := md5.Sum(msgs[l]); got[l] != want {
					t.Fatalf("%s Block lane %d: got %x, want %x", k.Name(), l, got[l], want)
				}
			}
			state := make([]uint32, 4*L)
			scratch := make([]uint32, 16*L)
			for l := 0; l < L; l++ {
				for w := 0; w < 4; w++ {
					state[w*L+l] = uint32(l*977 + w*31 + len(data))
				}
			}
			in := make([][16]byte, L)
			for l := range in {
				in[l] = k.Digest(state, l)
			}
			k.HexChain(state, scratch, k.NewChain(data))
			for l := range in {
				want := md5.Sum(append([]byte(hex.EncodeToString(in[l][:])), data...))
				if got := k.Digest(state, l); got != want {
					t.Fatalf("%s HexChain lane %d: got %x, want %x", k.Name(), l, got, want)
				}
			}
		}
	})
}
