package capture

import (
	"encoding/binary"
	"net/netip"
	"sort"
	"time"
)

// IPv6 fragment reassembly (RFC 8200 §4.5). gopacket reassembles IPv4 but
// not IPv6, so the few rules are kept here: fragments are grouped by
// source, destination and identification; a datagram is complete when the
// last fragment (M = 0) has fixed its length and the fragments cover it
// without a hole; overlapping fragments discard the whole datagram (RFC
// 5722), as do datagrams over 65,535 bytes. Pending datagrams are bounded in
// number and age.
const (
	maxPending6    = 1024
	maxDatagram6   = 65535
	fragTimeout6   = 30 * time.Second
	maxFragments6  = 512
	fragHeaderLen6 = 8
)

type frag6Key struct {
	src, dst netip.Addr
	id       uint32
}

type frag6Part struct {
	off  int
	data []byte
}

type frag6Datagram struct {
	first time.Time
	parts []frag6Part
	total int   // length of the reassembled payload; -1 until the last fragment arrives
	next  uint8 // next header of the fragmentable part, from the offset-0 fragment
	bad   bool  // overlap or oversize: dropped when it would complete
}

// defrag6 holds the IPv6 datagrams being reassembled.
type defrag6 struct {
	pending map[frag6Key]*frag6Datagram
	seen    int
}

func newDefrag6() *defrag6 { return &defrag6{pending: map[frag6Key]*frag6Datagram{}} }

// add takes the payload of an IPv6 packet whose next header is Fragment
// (44) and returns the next header and the reassembled fragmentable part
// once the datagram is complete; ok is false until then (and for
// fragments that cannot be used).
func (d *defrag6) add(src, dst netip.Addr, payload []byte, now time.Time) (next uint8, data []byte, ok bool) {
	if len(payload) < fragHeaderLen6 {
		return 0, nil, false
	}
	d.seen++
	if d.seen%1024 == 0 {
		d.expire(now)
	}
	nh := payload[0]
	offWord := binary.BigEndian.Uint16(payload[2:4])
	off := int(offWord &^ 7)
	more := offWord&1 != 0
	k := frag6Key{src, dst, binary.BigEndian.Uint32(payload[4:8])}
	body := payload[fragHeaderLen6:]
	if off == 0 && !more {
		return nh, body, true // an atomic fragment (RFC 6946): nothing to wait for
	}
	g := d.pending[k]
	if g == nil {
		if len(d.pending) >= maxPending6 {
			d.expire(now)
			if len(d.pending) >= maxPending6 {
				return 0, nil, false
			}
		}
		g = &frag6Datagram{first: now, total: -1}
		d.pending[k] = g
	}
	end := off + len(body)
	switch {
	case end > maxDatagram6, len(g.parts) >= maxFragments6:
		g.bad = true
	case more && len(body)%8 != 0:
		g.bad = true // only the last fragment may end off an 8-byte boundary
	case !more:
		if g.total >= 0 && g.total != end {
			g.bad = true
		}
		g.total = end
	}
	if off == 0 {
		g.next = nh
	}
	for _, p := range g.parts {
		if off < p.off+len(p.data) && p.off < end {
			if off == p.off && end == p.off+len(p.data) {
				return 0, nil, false // an exact duplicate: ignored
			}
			g.bad = true
		}
	}
	if g.bad {
		delete(d.pending, k)
		return 0, nil, false
	}
	g.parts = append(g.parts, frag6Part{off, append([]byte(nil), body...)})
	if g.total < 0 {
		return 0, nil, false
	}
	sort.Slice(g.parts, func(i, j int) bool { return g.parts[i].off < g.parts[j].off })
	at := 0
	for _, p := range g.parts {
		if p.off != at {
			return 0, nil, false // a hole
		}
		at += len(p.data)
	}
	if at != g.total {
		return 0, nil, false
	}
	out := make([]byte, 0, g.total)
	for _, p := range g.parts {
		out = append(out, p.data...)
	}
	delete(d.pending, k)
	return g.next, out, true
}

// expire drops datagrams older than the reassembly timeout.
func (d *defrag6) expire(now time.Time) {
	for k, g := range d.pending {
		if now.Sub(g.first) > fragTimeout6 {
			delete(d.pending, k)
		}
	}
}
