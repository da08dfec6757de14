package capture

import (
	"encoding/binary"
	"time"
)

// activeStreams holds the streams being received, each in a slot. For
// every RTP packet the analysis reads and writes only these dense arrays
// (the slot of the packet's key, its time, its worker), never the stream
// itself, whose cache lines its worker owns; a sweep for idle streams
// scans the times without visiting each stream.
type activeStreams struct {
	// the slots by key: IPv4 streams (nearly all) by a 16-byte key, which
	// hashes and compares faster and packs more densely than streamID
	by4   map[key4]int32
	byKey map[streamID]int32
	// recent caches by4 in a small direct-mapped table (a hit costs one
	// cache line where the map costs several)
	recent *[recentSize]recentSlot
	// by slot: the stream (nil when the slot is free), the time of its
	// last packet from the capture's start, and its worker
	s      []*stream
	last   []time.Duration
	worker []int32
	free   []int32
}

func newActiveStreams() activeStreams {
	return activeStreams{by4: map[key4]int32{}, byKey: map[streamID]int32{}, recent: new([recentSize]recentSlot)}
}

// recentSize is the number of entries of activeStreams.recent.
const recentSize = 4096

// recentSlot is an entry of activeStreams.recent: slot+1 (0: empty).
type recentSlot struct {
	key  key4
	slot int32
}

// recentAt returns the entry of the recent table for k.
func (t *activeStreams) recentAt(k key4) *recentSlot {
	h := (k.addrs*0x9e3779b97f4a7c15 ^ k.rest*0xc2b2ae3d27d4eb4f) >> (64 - 12)
	return &t.recent[h%recentSize]
}

// key4 is the key of a stream between IPv4 addresses: the addresses, then
// the ports and the SSRC.
type key4 struct{ addrs, rest uint64 }

// v4 returns the key4 of k, or false when an address is not IPv4 (an
// IPv4-mapped IPv6 address is not).
func (k streamKey) v4() (key4, bool) {
	s, d := k.src.Addr(), k.dst.Addr()
	if !s.Is4() || !d.Is4() {
		return key4{}, false
	}
	s4, d4 := s.As4(), d.As4()
	return key4{uint64(binary.BigEndian.Uint32(s4[:]))<<32 | uint64(binary.BigEndian.Uint32(d4[:])),
		uint64(k.src.Port())<<48 | uint64(k.dst.Port())<<32 | uint64(k.ssrc)}, true
}

// len returns the number of streams.
func (t *activeStreams) len() int { return len(t.by4) + len(t.byKey) }

// find returns the slot of the stream with key k.
func (t *activeStreams) find(k streamKey) (int32, bool) {
	if k4, ok := k.v4(); ok {
		r := t.recentAt(k4)
		if r.slot != 0 && r.key == k4 {
			return r.slot - 1, true
		}
		slot, ok := t.by4[k4]
		if ok {
			r.key, r.slot = k4, slot+1
		}
		return slot, ok
	}
	slot, ok := t.byKey[k.id()]
	return slot, ok
}

// add puts s, last seen at time last, in a slot and returns it.
func (t *activeStreams) add(s *stream, last time.Duration, worker int) int32 {
	var slot int32
	if n := len(t.free); n > 0 {
		slot, t.free = t.free[n-1], t.free[:n-1]
		t.s[slot], t.last[slot], t.worker[slot] = s, last, int32(worker)
	} else {
		slot = int32(len(t.s))
		t.s, t.last, t.worker = append(t.s, s), append(t.last, last), append(t.worker, int32(worker))
	}
	s.slot = slot
	if k4, ok := s.key.v4(); ok {
		t.by4[k4] = slot
	} else {
		t.byKey[s.key.id()] = slot
	}
	return slot
}

// remove frees the slot of s.
func (t *activeStreams) remove(s *stream) {
	if k4, ok := s.key.v4(); ok {
		delete(t.by4, k4)
		if r := t.recentAt(k4); r.slot == s.slot+1 {
			*r = recentSlot{}
		}
	} else {
		delete(t.byKey, s.key.id())
	}
	t.s[s.slot] = nil
	t.free = append(t.free, s.slot)
}
