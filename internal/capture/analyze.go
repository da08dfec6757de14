package capture

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync/atomic"
)

// Analyze reads a capture from r and analyses it.
func Analyze(ctx context.Context, r io.Reader, o Options) (*Report, ReadStats, error) {
	a := NewAnalyzer(o)
	st, err := readInto(ctx, o, a, r)
	if err != nil {
		return nil, st, err
	}
	return a.Finish(), st, nil
}

// AnalyzeFile reads the capture at path and analyses it.
func AnalyzeFile(ctx context.Context, path string, o Options) (*Report, ReadStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ReadStats{}, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	return Analyze(ctx, f, o)
}

// packetBatch is a run of packets and the arena their payloads live in:
// copied out of pcapgo's buffer, or (classic pcap) the chunk of the file
// the packets were read from. Media jobs point into the arena instead of
// copying the payload again; refs counts the analysis (one) and the
// worker batches holding such jobs, and the last to let go returns the
// batch to the reader.
type packetBatch struct {
	pkts  []Packet
	arena []byte
	// sipAt are the indexes of the packets with a parsed SIP message
	sipAt []int32
	refs  atomic.Int32
	free  chan<- *packetBatch
}

// add appends a copy of p, classified and parsed ahead (parseLast).
func (b *packetBatch) add(p *Packet) {
	*b.next() = *p
	b.parseLast()
}

// next returns a new slot at the end of the batch, holding what a
// recycled batch left there: the caller sets every field.
func (b *packetBatch) next() *Packet {
	n := len(b.pkts)
	if n == cap(b.pkts) {
		b.pkts = append(b.pkts, Packet{})
	} else {
		b.pkts = b.pkts[:n+1]
	}
	return &b.pkts[n]
}

// parseLast classifies the last packet and parses its SIP ahead
// (parseAhead), noting where parsed messages are for release.
func (b *packetBatch) parseLast() {
	n := len(b.pkts) - 1
	parseAhead(&b.pkts[n])
	if b.pkts[n].sip != nil {
		b.sipAt = append(b.sipAt, int32(n))
	}
}

// release drops one reference; the last one recycles the batch.
func (b *packetBatch) release() {
	if b.refs.Add(-1) == 0 {
		// Only the parsed SIP messages hold memory outside the batch:
		// dropped, so that a recycled batch keeps none alive (the
		// payloads point into the arena, which is reused anyway).
		for _, i := range b.sipAt {
			b.pkts[i].sip = nil
		}
		b.pkts, b.arena, b.sipAt = b.pkts[:0], b.arena[:0], b.sipAt[:0]
		b.free <- b
	}
}

// batchPool returns n empty batches in a channel they return to.
func batchPool(n int) chan *packetBatch {
	free := make(chan *packetBatch, n)
	for range n {
		free <- &packetBatch{pkts: make([]Packet, 0, batchJobs), arena: make([]byte, 0, chunkSize), free: free}
	}
	return free
}

// readInto reads the capture from r and feeds its packets to a. A classic
// pcap file is read in chunks into the batches' arenas (see chunks.go);
// pcapng and anything else goes through pcapgo (Read). With more than one
// worker, reading and link-layer decoding run on their own goroutine and
// hand batches of packets (in capture order) to the analysis through a
// bounded channel, so the two overlap.
func readInto(ctx context.Context, o Options, a *Analyzer, r io.Reader) (ReadStats, error) {
	head := make([]byte, pcapHeaderLen)
	n, _ := io.ReadFull(r, head)
	h, classic := parsePcapHeader(head[:n])
	if !classic {
		// pcapng, gzip or not a capture: pcapgo reads it and says what
		// is wrong
		r = io.MultiReader(bytes.NewReader(head[:n]), r)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers <= 1 {
		if !classic {
			return Read(ctx, r, a.Packet)
		}
		var st ReadStats
		free := batchPool(2)
		readPcapChunks(ctx, r, h, newDecoder(), &st, func() *packetBatch { return <-free }, func(b *packetBatch) {
			for i := range b.pkts {
				a.Packet(&b.pkts[i])
			}
			b.refs.Store(1)
			b.release()
		})
		return st, nil
	}
	const batches = 16
	full := make(chan *packetBatch, batches)
	free := batchPool(batches)
	type result struct {
		st  ReadStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		if classic {
			readPcapChunks(ctx, r, h, newDecoder(), &res.st, func() *packetBatch { return <-free }, func(b *packetBatch) { full <- b })
		} else {
			cur := <-free
			res.st, res.err = Read(ctx, r, func(p *Packet) {
				off := len(cur.arena)
				cur.arena = append(cur.arena, p.Payload...)
				q := *p
				q.Payload = cur.arena[off:len(cur.arena):len(cur.arena)]
				cur.add(&q)
				if len(cur.pkts) >= batchJobs || len(cur.arena) >= batchBytes {
					full <- cur
					cur = <-free
				}
			})
			if len(cur.pkts) > 0 {
				full <- cur
			}
		}
		close(full)
		done <- res
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
	res := <-done
	return res.st, res.err
}
