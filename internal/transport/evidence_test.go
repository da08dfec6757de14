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

func TestEvidenceLogBinaryAndCap(t *testing.T) {
	l := NewEvidenceLog()
	l.Observe(Sent, Packet{Data: []byte{0xff, 0x00, 'S', 'I', 'P'}, Transport: "udp"})
	evs := l.Take()
	if len(evs) != 1 || evs[0].Encoding != "base64" || evs[0].Data != "/wBTSVA=" {
		t.Fatalf("binary evidence = %+v", evs)
	}
	for i := 0; i < MaxEvidence+5; i++ {
		l.Observe(Recv, Packet{Data: []byte("OPTIONS sip:x SIP/2.0\r\n\r\n")})
	}
	evs = l.Take()
	if len(evs) != MaxEvidence+1 || evs[MaxEvidence].Note == "" {
		t.Fatalf("capped log: %d entries, last %+v", len(evs), evs[len(evs)-1])
	}
	if len(l.Take()) != 0 {
		t.Error("Take did not reset the log")
	}
}
