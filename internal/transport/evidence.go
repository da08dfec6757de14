package transport

import (
	"sync"

	"github.com/sipvet/sipvet/internal/finding"
)

// EvidenceLog collects observed messages as finding.Evidence, so that each
// check can take the exchanges it caused. It is safe for concurrent use.
type EvidenceLog struct {
	mu  sync.Mutex
	evs []finding.Evidence
}

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
		Data:      string(p.Data),
	}
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

// Take returns the evidence collected since the previous Take and resets
// the log. It never returns nil.
func (l *EvidenceLog) Take() []finding.Evidence {
	l.mu.Lock()
	defer l.mu.Unlock()
	evs := l.evs
	l.evs = nil
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
