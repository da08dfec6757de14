package lab

import "time"

// Transaction cache bounds: a server transaction is remembered for 64*T1
// (RFC 3261 §17.2), and at most maxTxs of them.
const (
	txLifetime = 32 * time.Second
	maxTxs     = 1024
)

// txEntry is the last response sent in one server transaction, resent when
// the request is retransmitted.
type txEntry struct {
	at   time.Time
	resp []byte
}

// txCache maps "branch|method|source" to the last response. The caller
// holds Lab.mu.
type txCache struct {
	m     map[string]*txEntry
	order []string
}

func newTxCache() *txCache { return &txCache{m: map[string]*txEntry{}} }

func (c *txCache) get(key string, now time.Time) *txEntry {
	e := c.m[key]
	if e == nil || now.Sub(e.at) > txLifetime {
		return nil
	}
	return e
}

// put records (or replaces) the last response of a transaction.
func (c *txCache) put(key string, resp []byte, now time.Time) {
	if e, ok := c.m[key]; ok {
		e.resp, e.at = resp, now
		return
	}
	for len(c.order) > 0 && (len(c.order) >= maxTxs || now.Sub(c.m[c.order[0]].at) > txLifetime) {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[key] = &txEntry{at: now, resp: resp}
	c.order = append(c.order, key)
}
