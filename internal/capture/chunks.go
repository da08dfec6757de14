package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// The classic pcap format (no gzip) is read without pcapgo when a capture
// is analysed: the file is read in large chunks straight into the arenas
// of the reader's packet batches and the packets' payloads stay there, so
// each byte is copied once (by the kernel) instead of three times
// (kernel to bufio, bufio to pcapgo, pcapgo to the batch). The record
// layout is fixed (a 24-byte file header, then a 16-byte header before
// each record) and the reading follows pcapgo's rules exactly — the same
// frames, time stamps and errors (TestChunkReaderMatchesPcapgo and
// FuzzChunkReader hold it to that). pcapng and gzip-compressed files keep
// the pcapgo path.

// chunkSize is the size of a batch arena the file is read into.
const chunkSize = 128 << 10

// pcapFileHeader is what the global header of a classic pcap file says.
type pcapFileHeader struct {
	order      binary.ByteOrder
	nanoFactor uint32
	snaplen    uint32
	link       layers.LinkType
}

// Magic numbers of classic pcap, as read little-endian.
const (
	magicMicro      = 0xa1b2c3d4
	magicMicroSwap  = 0xd4c3b2a1
	magicNano       = 0xa1b23c4d
	magicNanoSwap   = 0x4d3cb2a1
	pcapVersionMaj  = 2
	pcapVersionMin  = 4
	pcapHeaderLen   = 24
	pcapRecordLen   = 16
	pcapEagerMaxLen = 262144 // pcapgo's longest record for small snap lengths
)

// parsePcapHeader reads the 24-byte header of a classic pcap file; ok is
// false for anything pcapgo would not read as one (the caller then lets
// pcapgo read the file and report the error).
func parsePcapHeader(b []byte) (h pcapFileHeader, ok bool) {
	if len(b) < pcapHeaderLen {
		return h, false
	}
	switch binary.LittleEndian.Uint32(b[0:4]) {
	case magicMicro:
		h.order, h.nanoFactor = binary.LittleEndian, 1000
	case magicMicroSwap:
		h.order, h.nanoFactor = binary.BigEndian, 1000
	case magicNano:
		h.order, h.nanoFactor = binary.LittleEndian, 1
	case magicNanoSwap:
		h.order, h.nanoFactor = binary.BigEndian, 1
	default:
		return h, false
	}
	if h.order.Uint16(b[4:6]) != pcapVersionMaj || h.order.Uint16(b[6:8]) != pcapVersionMin {
		return h, false
	}
	h.snaplen = h.order.Uint32(b[16:20])
	h.link = layers.LinkType(h.order.Uint32(b[20:24]))
	return h, true
}

// maxRecord is the longest record accepted (pcapgo's rule).
func (h *pcapFileHeader) maxRecord() int {
	return max(int(h.snaplen), pcapEagerMaxLen)
}

// chunkReader reads the records of a classic pcap stream into batch
// arenas.
type chunkReader struct {
	r   io.Reader
	h   pcapFileHeader
	d   *decoder
	st  *ReadStats
	b   *packetBatch // the batch being filled
	pos int          // start of the next record in b.arena
	off int64        // file offset of b.arena[0]
	eof bool
	// size is the arena size to read into (chunkSize; tests use less)
	size int
	// readErr is a read error other than the end of the file.
	readErr error
	// next returns an empty batch; emit hands on a batch with packets.
	next func() *packetBatch
	emit func(*packetBatch)
}

// readPcapChunks reads the records that follow a classic pcap header
// (already consumed from r) and hands their packets, batch by batch, to
// emit; the payloads point into the batch's arena. It keeps st as Read
// does and returns once the stream ends, is damaged, or ctx is done.
func readPcapChunks(ctx context.Context, r io.Reader, h pcapFileHeader, d *decoder, st *ReadStats, next func() *packetBatch, emit func(*packetBatch)) {
	c := &chunkReader{r: r, h: h, d: d, st: st, next: next, emit: emit, off: pcapHeaderLen, size: chunkSize}
	c.read(ctx)
}

// read runs the chunk reader.
func (c *chunkReader) read(ctx context.Context) {
	st, emit := c.st, c.emit
	st.Format = "pcap"
	c.b = c.next()
	c.b.arena = c.b.arena[:0]
	c.run(ctx)
	st.Bytes = c.off + int64(c.pos)
	if len(c.b.pkts) > 0 {
		emit(c.b)
	} else {
		// nothing in it: back to the pool through a release
		c.b.refs.Store(1)
		c.b.release()
	}
}

func (c *chunkReader) run(ctx context.Context) {
	pkt := &Packet{}
	for {
		avail := c.b.arena[c.pos:]
		need := pcapRecordLen
		if len(avail) >= pcapRecordLen {
			capLen, origLen := c.lengths(avail)
			if capLen > c.h.maxRecord() {
				c.stop(ErrCorrupt, fmt.Errorf("capture length exceeds snap length: %d > %d", capLen, c.h.snaplen), pcapRecordLen)
				return
			}
			if capLen > origLen {
				c.stop(ErrCorrupt, fmt.Errorf("capture length exceeds original packet length: %d > %d", capLen, origLen), pcapRecordLen)
				return
			}
			need += capLen
		}
		if len(avail) < need {
			if c.eof {
				c.end(avail, need)
				return
			}
			if ctx.Err() != nil {
				c.st.Stopped = ctx.Err()
				return
			}
			c.refill(need)
			continue
		}
		rec := avail[:need:need]
		c.pos += need
		c.st.Frames++
		sec := c.h.order.Uint32(rec[0:4])
		frac := c.h.order.Uint32(rec[4:8]) * c.h.nanoFactor // uint32, as pcapgo computes it
		ts := time.Unix(int64(sec), int64(frac)).UTC()
		if src, dst, payload, ok := fastUDP4(c.h.link, rec[pcapRecordLen:]); ok && !c.d.slow {
			// The usual frame, decoded straight into the batch: what
			// d.frame gives for it, without two copies of the Packet.
			c.st.Packets++
			// every field set one by one (parseLast sets kind and rtp):
			// no temporary Packet copied in
			q := c.b.next()
			q.Index, q.Time, q.Proto, q.Src, q.Dst, q.Payload = c.st.Frames, ts, UDP, src, dst, payload
			q.Seq, q.SYN, q.FIN, q.RST, q.sip = 0, false, false, false, nil
			c.b.parseLast()
			continue
		}
		reassembled := c.st.Reassembled
		c.d.frame(c.h.link, rec[pcapRecordLen:], ts, pkt, func(p *Packet) {
			q := *p
			if c.st.Reassembled != reassembled {
				// a datagram built from fragments lives in the
				// reassembler's buffers, not in the arena
				q.Payload = append([]byte(nil), p.Payload...)
			}
			c.b.add(&q)
		}, c.st)
	}
}

// lengths reads a record header's captured and original lengths.
func (c *chunkReader) lengths(hdr []byte) (capLen, origLen int) {
	return int(c.h.order.Uint32(hdr[8:12])), int(c.h.order.Uint32(hdr[12:16]))
}

// refill moves the incomplete record at c.pos to the front of an arena
// (a new batch's, when the current one holds packets) and reads more of
// the file after it, so that at least need bytes (or the rest of the
// file) follow. The arena grows beyond chunkSize only for a record longer
// than that, and only as its bytes arrive.
func (c *chunkReader) refill(need int) {
	rest := c.b.arena[c.pos:]
	if len(c.b.pkts) > 0 {
		nb := c.next()
		nb.arena = append(nb.arena[:0], rest...)
		c.emit(c.b)
		c.b = nb
	} else {
		c.b.arena = c.b.arena[:copy(c.b.arena, rest)]
	}
	c.off += int64(c.pos)
	c.pos = 0
	a := c.b.arena
	if cap(a) < need {
		// grow by doubling with what has arrived, never straight to a
		// length a corrupt header claims
		grown := make([]byte, len(a), min(need, max(2*cap(a), c.size)))
		copy(grown, a)
		a = grown
	}
	n, err := io.ReadFull(c.r, a[len(a):cap(a)])
	c.b.arena = a[:len(a)+n]
	if err != nil {
		c.eof = true
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			c.readErr = err
		}
	}
}

// end classifies what is left when the file ends before a whole record.
func (c *chunkReader) end(avail []byte, need int) {
	switch {
	case c.readErr != nil:
		c.stop(ErrCorrupt, c.readErr, len(avail))
	case len(avail) == 0:
		// a clean end
	case len(avail) < pcapRecordLen:
		c.stop(ErrTruncated, io.ErrUnexpectedEOF, len(avail))
	case len(avail) == pcapRecordLen && need > pcapRecordLen:
		// pcapgo reads a record header followed by nothing as the end
		// of the file
		c.pos += len(avail)
	default:
		c.stop(ErrTruncated, io.ErrUnexpectedEOF, len(avail))
	}
}

// stop records that reading stopped at the next frame, consumed bytes
// after the record's start.
func (c *chunkReader) stop(kind, err error, consumed int) {
	c.st.Stopped = fmt.Errorf("%w: %w", kind, err)
	c.st.StoppedAt = c.st.Frames + 1
	c.st.StoppedOffset = c.off + int64(c.pos) + int64(consumed)
	c.pos += consumed
}
