package md5x

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// pad returns the MD5 padding of msg as 64-byte blocks.
func pad(msg []byte) []byte {
	n := len(msg)
	total := (n + 9 + 63) / 64 * 64
	b := make([]byte, total)
	copy(b, msg)
	b[n] = 0x80
	binary.LittleEndian.PutUint64(b[total-8:], uint64(n)*8)
	return b
}

// sumLanes hashes one message per lane with k.Block.
func sumLanes(k *Kernel, msgs [][]byte) [][16]byte {
	L := k.Lanes()
	state := make([]uint32, 4*L)
	msg := make([]uint32, 16*L)
	k.SetIV(state, IV())
	padded := make([][]byte, L)
	for l := range padded {
		padded[l] = pad(msgs[l])
	}
	for b := 0; b < len(padded[0])/64; b++ {
		for l := 0; l < L; l++ {
			for w := 0; w < 16; w++ {
				msg[w*L+l] = binary.LittleEndian.Uint32(padded[l][b*64+w*4:])
			}
		}
		k.Block(state, msg)
	}
	out := make([][16]byte, L)
	for l := range out {
		out[l] = k.Digest(state, l)
	}
	return out
}

func TestBlockMatchesCryptoMD5(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range Available() {
		t.Run(k.Name(), func(t *testing.T) {
			// Every length up to three blocks; all lanes share a length so
			// they need the same number of blocks, contents differ.
			for n := 0; n <= 3*64; n++ {
				msgs := make([][]byte, k.Lanes())
				for l := range msgs {
					msgs[l] = make([]byte, n)
					for i := range msgs[l] {
						msgs[l][i] = byte(rng.Uint32())
					}
				}
				got := sumLanes(k, msgs)
				for l, m := range msgs {
					if want := md5.Sum(m); got[l] != want {
						t.Fatalf("len %d lane %d: got %x, want %x", n, l, got[l], want)
					}
				}
			}
		})
	}
}

func TestHexChainMatchesCryptoMD5(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range Available() {
		t.Run(k.Name(), func(t *testing.T) {
			L := k.Lanes()
			state := make([]uint32, 4*L)
			scratch := make([]uint32, 16*L)
			for n := 0; n <= 4*64; n++ {
				tail := make([]byte, n)
				for i := range tail {
					tail[i] = byte(rng.Uint32())
				}
				c := k.NewChain(tail)
				in := make([][16]byte, L)
				for l := range in {
					for i := range in[l] {
						in[l][i] = byte(rng.Uint32())
					}
					for w := 0; w < 4; w++ {
						state[w*L+l] = binary.LittleEndian.Uint32(in[l][w*4:])
					}
				}
				k.HexChain(state, scratch, c)
				for l := range in {
					want := md5.Sum(append([]byte(hex.EncodeToString(in[l][:])), tail...))
					if got := k.Digest(state, l); got != want {
						t.Fatalf("tail %d lane %d: got %x, want %x", n, l, got, want)
					}
				}
			}
		})
	}
}

func TestCompressPrefix(t *testing.T) {
	prefix := make([]byte, 64)
	for i := range prefix {
		prefix[i] = byte(i * 7)
	}
	h := IV()
	Compress(&h, prefix)
	k := NewGeneric(2)
	state := make([]uint32, 8)
	k.SetIV(state, h)
	rest := []byte("tail")
	full := append(append([]byte{}, prefix...), rest...)
	blk := pad(full)[64:]
	msg := make([]uint32, 32)
	for l := 0; l < 2; l++ {
		for w := 0; w < 16; w++ {
			msg[w*2+l] = binary.LittleEndian.Uint32(blk[w*4:])
		}
	}
	k.Block(state, msg)
	if got, want := k.Digest(state, 1), md5.Sum(full); got != want {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestChainFromOtherKernelPanics(t *testing.T) {
	ks := Available()
	if len(ks) < 2 {
		t.Skip("only the generic kernel on this CPU")
	}
	c := ks[0].NewChain(nil)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	k := ks[len(ks)-1]
	k.HexChain(make([]uint32, 4*k.Lanes()), make([]uint32, 16*k.Lanes()), c)
}
