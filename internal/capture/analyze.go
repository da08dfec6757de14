package capture

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"
)

// Analyze reads a capture from r and analyses it.
func Analyze(ctx context.Context, r io.Reader, o Options) (*Report, ReadStats, error) {
	a := NewAnalyzer(o)
	st, err := readInto(o, a, func(fn func(*Packet)) (ReadStats, error) { return Read(ctx, r, fn) })
	if err != nil {
		return nil, st, err
	}
	return a.Finish(), st, nil
}

// AnalyzeFile reads the capture at path and analyses it.
func AnalyzeFile(ctx context.Context, path string, o Options) (*Report, ReadStats, error) {
	a := NewAnalyzer(o)
	st, err := readInto(o, a, func(fn func(*Packet)) (ReadStats, error) { return ReadFile(ctx, path, fn) })
	if err != nil {
		return nil, st, err
	}
	return a.Finish(), st, nil
}

// packetBatch is a run of packets copied out of the reader's buffers.
// Media jobs point into its arena instead of copying the payload again;
// refs counts the analysis (one) and those jobs, and the last to let go
// returns the batch to the reader.
type packetBatch struct {
	pkts  []Packet
	arena []byte
	refs  atomic.Int32
	free  chan<- *packetBatch
}

// release drops one reference; the last one recycles the batch.
func (b *packetBatch) release() {
	if b.refs.Add(-1) == 0 {
		clear(b.pkts)
		b.pkts, b.arena = b.pkts[:0], b.arena[:0]
		b.free <- b
	}
}

// readInto runs read and feeds the packets to a. With more than one
// worker, reading and link-layer decoding run on their own goroutine and
// hand batches of packets (in capture order) to the analysis through a
// bounded channel, so the two overlap.
func readInto(o Options, a *Analyzer, read func(func(*Packet)) (ReadStats, error)) (ReadStats, error) {
	n := o.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if n <= 1 {
		return read(a.Packet)
	}
	const batches = 4
	full := make(chan *packetBatch, batches)
	free := make(chan *packetBatch, batches)
	for range batches {
		free <- &packetBatch{pkts: make([]Packet, 0, batchJobs), arena: make([]byte, 0, batchBytes), free: free}
	}
	type result struct {
		st  ReadStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		cur := <-free
		st, err := read(func(p *Packet) {
			off := len(cur.arena)
			cur.arena = append(cur.arena, p.Payload...)
			q := *p
			q.Payload = cur.arena[off:len(cur.arena):len(cur.arena)]
			q.sip = parseAhead(&q)
			cur.pkts = append(cur.pkts, q)
			if len(cur.pkts) >= batchJobs || len(cur.arena) >= batchBytes {
				full <- cur
				cur = <-free
			}
		})
		if len(cur.pkts) > 0 {
			full <- cur
		}
		close(full)
		done <- result{st, err}
	}()
	for b := range full {
		b.refs.Store(1)
		a.src = b
		for i := range b.pkts {
			a.Packet(&b.pkts[i])
		}
		a.src = nil
		// The media jobs of this batch go to the workers now, so that
		// it comes back to the reader without waiting for more packets.
		a.pipe.flush()
		b.release()
	}
	r := <-done
	return r.st, r.err
}
