package capture

import (
	"net/netip"
	"testing"
	"time"
)

// TestActiveStreams holds the slot table to a plain map under random adds,
// removals and lookups: IPv4 keys (many sharing SSRCs and colliding in the
// recent cache), IPv4-mapped IPv6 and IPv6 keys, and reused slots.
func TestActiveStreams(t *testing.T) {
	seed := uint32(11)
	next := func(n int) int { seed = seed*1664525 + 1013904223; return int(seed>>8) % n }
	addrs := []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("198.51.100.7"),
		netip.MustParseAddr("::ffff:192.0.2.1"), netip.MustParseAddr("2001:db8::1")}
	key := func() streamKey {
		return streamKey{netip.AddrPortFrom(addrs[next(len(addrs))], uint16(10000+next(40))),
			netip.AddrPortFrom(addrs[next(len(addrs))], uint16(20000+next(40))), uint32(next(50))}
	}
	tab := newActiveStreams()
	want := map[streamKey]*stream{}
	idx := 0
	for op := range 20000 {
		k := key()
		switch next(3) {
		case 0: // add, if new
			if want[k] == nil {
				idx++
				s := &stream{idx: idx, key: k}
				tab.add(s, time.Duration(op), idx%2)
				want[k] = s
			}
		case 1: // remove, if there
			if s := want[k]; s != nil {
				tab.remove(s)
				delete(want, k)
			}
		}
		slot, ok := tab.find(k)
		s := want[k]
		if ok != (s != nil) || ok && tab.s[slot] != s {
			t.Fatalf("op %d: find(%v) = slot %d, %v; want stream %v", op, k, slot, ok, s)
		}
	}
	if tab.len() != len(want) {
		t.Fatalf("len = %d, want %d", tab.len(), len(want))
	}
	for k, s := range want {
		if slot, ok := tab.find(k); !ok || tab.s[slot] != s || tab.worker[slot] != int32(s.idx%2) {
			t.Fatalf("stream %d (%v) lost", s.idx, k)
		}
	}
}
