package transport

import (
	"encoding/base64"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/sipvet/sipvet/internal/finding"
)

// EvidenceLog collects observed messages as finding.Evidence, so that each
// check can take the exchanges it caused. It is safe for concurrent use.
type EvidenceLog struct {
	mu      sync.Mutex
	evs     []finding.Evidence
	dropped int
}

// MaxEvidence is how many messages an EvidenceLog keeps between two Takes;
// further ones are counted, and the complete traffic is in the evidence
// pcapng. It keeps results files bounded for checks that send many requests.
const MaxEvidence = 600

// NewEvidenceLog returns an empty log.
func NewEvidenceLog() *EvidenceLog { return &EvidenceLog{} }

// Observe appends one message; it has the Observer signature.
func (l *EvidenceLog) Observe(dir Direction, p Packet) {
	ev := finding.Evidence{
		Time:      p.Time,
		Dir:       string(dir),
		Transport: p.Transport,
		Src:       p.Src,
		Dst:       p.Dst,
	}
	if utf8.Valid(p.Data) {
		ev.Data = string(p.Data)
	} else {
		// JSON strings cannot carry arbitrary bytes: keep them exact.
		ev.Data, ev.Encoding = base64.StdEncoding.EncodeToString(p.Data), "base64"
	}
	if sum, ok := MediaSummary(p.Data); ok && p.Transport == "udp" {
		// RTP/RTCP: one line of header fields; the bytes are in the pcapng.
		ev.Data, ev.Encoding, ev.Note = sum, "", "media summary"
	}
	l.mu.Lock()
	if len(l.evs) < MaxEvidence {
		l.evs = append(l.evs, ev)
	} else {
		l.dropped++
	}
	l.mu.Unlock()
}

// Take returns the evidence collected since the previous Take and resets
// the log. It never returns nil.
func (l *EvidenceLog) Take() []finding.Evidence {
	l.mu.Lock()
	defer l.mu.Unlock()
	evs := l.evs
	if l.dropped > 0 {
		evs = append(evs, finding.Evidence{Note: fmt.Sprintf("%d further messages omitted (kept the first %d; all are in --evidence-pcap)", l.dropped, MaxEvidence)})
	}
	l.evs, l.dropped = nil, 0
	if evs == nil {
		evs = []finding.Evidence{}
	}
	return evs
}

// Len reports how many messages are held.
func (l *EvidenceLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.evs)
}
