package capture

import "time"

// activeStreams holds the streams being received, each in a slot. For
// every RTP packet the analysis reads and writes only these dense arrays
// (the slot of the packet's key, its time, its worker), never the stream
// itself, whose cache lines its worker owns; a sweep for idle streams
// scans the times without visiting each stream.
type activeStreams struct {
	byKey map[streamID]int32
	// by slot: the stream (nil when the slot is free), the time of its
	// last packet from the capture's start, and its worker
	s      []*stream
	last   []time.Duration
	worker []int32
	free   []int32
}

func newActiveStreams() activeStreams {
	return activeStreams{byKey: map[streamID]int32{}}
}

// len returns the number of streams.
func (t *activeStreams) len() int { return len(t.byKey) }

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
	t.byKey[s.key.id()] = slot
	return slot
}

// remove frees the slot of s.
func (t *activeStreams) remove(s *stream) {
	delete(t.byKey, s.key.id())
	t.s[s.slot] = nil
	t.free = append(t.free, s.slot)
}
