package transport

import (
	"sync"
	"testing"
	"time"
)

func TestEvidenceLog(t *testing.T) {
	l := NewEvidenceLog()
	if ev := l.Take(); ev == nil || len(ev) != 0 {
		t.Fatalf("empty Take = %#v, want empty non-nil", ev)
	}
	now := time.Unix(100, 0)
	l.Observe(Sent, Packet{Data: []byte("a"), Src: "1.1.1.1:1", Dst: "2.2.2.2:2", Transport: "tcp", Time: now})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { l.Observe(Recv, Packet{Data: []byte("b"), Transport: "udp"}) })
	}
	wg.Wait()
	ev := l.Take()
	if len(ev) != 9 {
		t.Fatalf("%d records, want 9", len(ev))
	}
	first := ev[0]
	if first.Dir != "sent" || first.Data != "a" || first.Src != "1.1.1.1:1" || first.Dst != "2.2.2.2:2" ||
		first.Transport != "tcp" || !first.Time.Equal(now) {
		t.Errorf("record = %+v", first)
	}
	if l.Len() != 0 {
		t.Errorf("Len after Take = %d", l.Len())
	}
}
