package capture

import (
	"bytes"
	"net/netip"
	"sort"
	"strconv"
	"time"
)

// Limits of the TCP reassembler.
const (
	maxStreamBuffer = 256 << 10 // bytes held per direction
	maxPendingSegs  = 64        // out-of-order segments held per direction
	maxSIPMessage   = 64 << 10
)

type flowKey struct{ src, dst netip.AddrPort }

// tcpStream reassembles one direction of a TCP connection and frames SIP
// messages in it (RFC 3261 §18.3: Content-Length delimits the body).
type tcpStream struct {
	next    uint32
	started bool
	buf     []byte
	pending []segment
	last    time.Time
	tls     bool // the stream carries TLS records, not SIP
	checked bool
}

type segment struct {
	seq  uint32
	data []byte
}

// seqLess compares TCP sequence numbers modulo 2^32.
func seqLess(a, b uint32) bool { return int32(a-b) < 0 }

// add inserts a segment and returns the bytes that became contiguous.
func (s *tcpStream) add(p *Packet) []byte {
	s.last = p.Time
	if p.SYN {
		s.next = p.Seq + 1
		s.started = true
		return nil
	}
	if len(p.Payload) == 0 {
		return nil
	}
	if !s.started {
		// The capture began mid-connection: take this segment as the start.
		s.next = p.Seq
		s.started = true
	}
	var out []byte
	seq, data := p.Seq, p.Payload
	if seqLess(seq, s.next) {
		skip := s.next - seq
		if int(skip) >= len(data) {
			return nil // retransmission
		}
		data, seq = data[skip:], s.next
	}
	if seq != s.next {
		if len(s.pending) < maxPendingSegs {
			s.pending = append(s.pending, segment{seq, append([]byte(nil), data...)})
		}
		return nil
	}
	out = append(out, data...)
	s.next += uint32(len(data))
	for len(s.pending) > 0 {
		sort.Slice(s.pending, func(i, j int) bool { return seqLess(s.pending[i].seq, s.pending[j].seq) })
		progressed := false
		keep := s.pending[:0]
		for _, sg := range s.pending {
			end := sg.seq + uint32(len(sg.data))
			switch {
			case !seqLess(s.next, end):
				// entirely old
			case !seqLess(s.next, sg.seq):
				out = append(out, sg.data[s.next-sg.seq:]...)
				s.next = end
				progressed = true
			default:
				keep = append(keep, sg)
			}
		}
		s.pending = keep
		if !progressed {
			break
		}
	}
	return out
}

// frames appends data to the stream buffer and returns every complete SIP
// message. Garbage before a message start is skipped; an oversized buffer
// is dropped.
func (s *tcpStream) frames(data []byte) [][]byte {
	s.buf = append(s.buf, data...)
	var msgs [][]byte
	for {
		// Skip keep-alive CRLFs (RFC 5626 §3.5.1).
		s.buf = bytes.TrimLeft(s.buf, "\r\n")
		end := bytes.Index(s.buf, []byte("\r\n\r\n"))
		if end < 0 {
			if len(s.buf) > maxStreamBuffer {
				s.buf = s.buf[:0]
			}
			return msgs
		}
		hdr := s.buf[:end+4]
		cl := contentLength(hdr)
		if cl < 0 || cl > maxSIPMessage {
			// Unframeable: drop the header block and go on.
			s.buf = s.buf[end+4:]
			continue
		}
		total := end + 4 + cl
		if len(s.buf) < total {
			if len(s.buf) > maxStreamBuffer {
				s.buf = s.buf[:0]
			}
			return msgs
		}
		msgs = append(msgs, append([]byte(nil), s.buf[:total]...))
		s.buf = s.buf[total:]
		if len(s.buf) == 0 {
			s.buf = nil
		}
	}
}

// contentLength finds Content-Length (or "l") in a header block; -1 when it
// is malformed, 0 when absent.
func contentLength(hdr []byte) int {
	for _, line := range bytes.Split(hdr, []byte("\r\n")) {
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		name := string(bytes.TrimSpace(line[:i]))
		if len(name) != 14 && name != "l" && name != "L" {
			continue
		}
		if len(name) == 14 && !bytes.EqualFold([]byte(name), []byte("Content-Length")) {
			continue
		}
		n, err := strconv.Atoi(string(bytes.TrimSpace(line[i+1:])))
		if err != nil || n < 0 {
			return -1
		}
		return n
	}
	return 0
}
