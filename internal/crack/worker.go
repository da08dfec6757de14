package crack

import (
	"context"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"sync/atomic"

	"github.com/sipvet/sipvet/internal/crack/md5x"
)

// worker batches candidates into the kernel's lanes.
type worker struct {
	k       *md5x.Kernel
	L       int
	targets []*target
	open    *atomic.Int64
	cancel  context.CancelFunc

	cand    []byte // L slots of MaxCandidate+2 bytes
	clen    []int
	n       int
	count   uint64
	state   []uint32
	msg     []uint32
	scratch []uint32
	// scalar buffers and one hash per target
	buf, hexBuf []byte
	hashes      []hash.Hash
}

const slot = MaxCandidate + 2

func newWorker(k *md5x.Kernel, targets []*target, open *atomic.Int64, cancel context.CancelFunc) *worker {
	L := k.Lanes()
	return &worker{
		k: k, L: L, targets: targets, open: open, cancel: cancel,
		cand: make([]byte, L*slot), clen: make([]int, L),
		state: make([]uint32, 4*L), msg: make([]uint32, 16*L), scratch: make([]uint32, 16*L),
		hexBuf: make([]byte, 128), hashes: make([]hash.Hash, len(targets)),
	}
}

// add queues one candidate.
func (w *worker) add(c []byte) {
	copy(w.cand[w.n*slot:], c)
	w.clen[w.n] = len(c)
	w.n++
	if w.n == w.L {
		w.flush()
	}
}

func (w *worker) lane(l int) []byte { return w.cand[l*slot : l*slot+w.clen[l]] }

// flush tests the queued candidates against every open target.
func (w *worker) flush() {
	if w.n == 0 {
		return
	}
	for _, t := range w.targets {
		if t.done.Load() {
			continue
		}
		if t.isMD5 {
			w.md5(t)
		} else {
			for l := 0; l < w.n; l++ {
				w.scalar(t, w.lane(l))
			}
		}
		t.tried.Add(uint64(w.n))
	}
	w.count += uint64(w.n)
	w.n = 0
}

// md5 runs the SIMD chain for the queued lanes against t.
func (w *worker) md5(t *target) {
	L := w.L
	var blk [64]byte
	long := false
	for l := 0; l < L; l++ {
		c := []byte(nil)
		if l < w.n {
			c = w.lane(l)
		}
		n := len(t.rest) + len(c)
		if n > 55 {
			// Does not fit one block: hash it on the scalar path instead.
			long = true
			c = nil
			n = len(t.rest)
		}
		blk = [64]byte{}
		copy(blk[:], t.rest)
		copy(blk[len(t.rest):], c)
		blk[n] = 0x80
		binary.LittleEndian.PutUint64(blk[56:], uint64(t.preLen+len(c))*8)
		for i := 0; i < 16; i++ {
			w.msg[i*L+l] = binary.LittleEndian.Uint32(blk[i*4:])
		}
	}
	w.k.SetIV(w.state, t.h0)
	w.k.Block(w.state, w.msg)
	if t.sess != nil {
		w.k.HexChain(w.state, w.scratch, t.sess)
	}
	w.k.HexChain(w.state, w.scratch, t.resp)
	for l := 0; l < w.n; l++ {
		if w.state[l] != t.want[0] || w.state[L+l] != t.want[1] || w.state[2*L+l] != t.want[2] || w.state[3*L+l] != t.want[3] {
			continue
		}
		c := w.lane(l)
		if len(t.rest)+len(c) > 55 {
			continue
		}
		w.hit(t, c)
	}
	if long {
		for l := 0; l < w.n; l++ {
			if c := w.lane(l); len(t.rest)+len(c) > 55 {
				w.scalar(t, c)
			}
		}
	}
}

// hit confirms a candidate with package digest and records it.
func (w *worker) hit(t *target, c []byte) {
	ok, err := t.entry.Verify(string(c))
	if err != nil || !ok {
		return
	}
	if t.found(string(c)) && w.open.Add(-1) == 0 {
		w.cancel()
	}
}

// scalar tests one candidate with the standard library hashes.
func (w *worker) scalar(t *target, c []byte) {
	if t.done.Load() {
		return
	}
	if t.isMD5 {
		// Long candidates: the digest package does it.
		if ok, err := t.entry.Verify(string(c)); err == nil && ok {
			w.hit(t, c)
		}
		return
	}
	h := w.hashes[t.idx]
	if h == nil {
		h = t.newHash()
		w.hashes[t.idx] = h
	}
	h.Reset()
	h.Write(t.prefix)
	h.Write(c)
	sum := h.Sum(w.buf[:0])
	hx := hex.AppendEncode(w.hexBuf[:0], sum)
	if t.sessTail != nil {
		h.Reset()
		h.Write(hx)
		h.Write(t.sessTail)
		sum = h.Sum(sum[:0])
		hx = hex.AppendEncode(hx[:0], sum)
	}
	h.Reset()
	h.Write(hx)
	h.Write(t.tail)
	sum = h.Sum(sum[:0])
	hx = hex.AppendEncode(hx[:0], sum)
	w.buf, w.hexBuf = sum[:0], hx[:0]
	if subtle.ConstantTimeCompare(hx, []byte(t.wantHex)) == 1 {
		w.hit(t, c)
	}
}
