package enum

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
)

// pending is one request awaiting its answer.
type pending struct {
	b      *batch
	idx    int
	req    *sip.Message
	data   []byte
	sentAt time.Time
	tries  int
	// proceeding is set by a 100 Trying: stop retransmitting, wait longer.
	proceeding bool
}

// batch is one pass over a list of IDs.
type batch struct {
	sigs     []Signature
	left     int
	done     chan struct{}
	slots    chan struct{}
	progress func(done, total int)
}

// prober owns the request/answer bookkeeping of one Run.
type prober struct {
	conn   Conn
	cfg    *Config
	prefix string // random Call-ID prefix of this run

	mu      sync.Mutex
	pending map[string]*pending
	invites map[string]*sip.Message // INVITEs whose later finals must be ACKed
	nsent   int
	seq     int
}

func newProber(conn Conn, cfg *Config) *prober {
	return &prober{conn: conn, cfg: cfg, prefix: randHex(cfg.Rand, 6), pending: map[string]*pending{}, invites: map[string]*sip.Message{}}
}

func randHex(r io.Reader, n int) string {
	b := make([]byte, n)
	_, _ = io.ReadFull(r, b)
	return hex.EncodeToString(b)
}

func (p *prober) sent() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.nsent
}

// randomIDs returns IDs that cannot plausibly exist: "zz" and random hex.
// (Long random digit strings are no good: PBXs route them as outside
// numbers and answer like an existing ID.)
func (p *prober) randomIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "zz" + randHex(p.cfg.Rand, 6)
	}
	return ids
}

// calibrate probes random IDs and returns their distinct answers.
func (p *prober) calibrate(ctx context.Context, ids []string, rate float64) ([]Signature, error) {
	sigs := p.probeAll(ctx, ids, rate, nil)
	var base []Signature
	seen := map[string]bool{}
	for _, s := range sigs {
		if s.Status == 0 || seen[s.Key()] {
			continue
		}
		seen[s.Key()] = true
		base = append(base, s)
	}
	if len(base) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNoCalibration
	}
	return base, nil
}

// probeAll sends one request per ID, at most Window outstanding and at most
// rate per second, retransmits unanswered ones (UDP) and returns the
// signature of each answer (Status 0 for none).
func (p *prober) probeAll(ctx context.Context, ids []string, rate float64, progress func(int, int)) []Signature {
	b := &batch{sigs: make([]Signature, len(ids)), left: len(ids), done: make(chan struct{}),
		slots: make(chan struct{}, p.cfg.Window), progress: progress}
	if len(ids) == 0 {
		return b.sigs
	}
	var wg sync.WaitGroup
	tctx, stopTimer := context.WithCancel(ctx)
	wg.Add(1)
	go func() { defer wg.Done(); p.retransmitLoop(tctx, b) }()
	defer func() { stopTimer(); wg.Wait() }()

	start := p.cfg.Now()
	burst := 16.0
	for i, id := range ids {
		select {
		case b.slots <- struct{}{}:
		case <-ctx.Done():
			return b.sigs
		}
		if rate > 0 {
			for {
				allowed := p.cfg.Now().Sub(start).Seconds()*rate + burst
				if float64(i) < allowed {
					break
				}
				wait := time.Duration((float64(i) - allowed + 1) / rate * float64(time.Second))
				if wait < time.Millisecond {
					wait = time.Millisecond
				}
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return b.sigs
				case <-t.C:
				}
			}
		}
		req := p.build(id)
		pd := &pending{b: b, idx: i, req: req, data: req.Bytes(), sentAt: p.cfg.Now(), tries: 1}
		p.mu.Lock()
		p.pending[req.CallID()] = pd
		p.nsent++
		p.mu.Unlock()
		if err := p.conn.Send(ctx, pd.data); err != nil && ctx.Err() != nil {
			return b.sigs
		}
	}
	select {
	case <-b.done:
	case <-ctx.Done():
	}
	return b.sigs
}

// retransmitLoop resends unanswered requests and gives up on them after
// Retries resends (or at once over streams).
func (p *prober) retransmitLoop(ctx context.Context, b *batch) {
	tick := time.NewTicker(max(p.cfg.Wait/4, 5*time.Millisecond))
	defer tick.Stop()
	reliable := p.conn.Transport() != "udp"
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.done:
			return
		case <-tick.C:
		}
		now := p.cfg.Now()
		var resend []*pending
		p.mu.Lock()
		for key, pd := range p.pending {
			if pd.b != b {
				continue
			}
			wait := p.cfg.Wait << min(pd.tries-1, 3)
			if pd.proceeding || reliable {
				wait = p.cfg.Wait * time.Duration(2+2*p.cfg.Retries)
			}
			if now.Sub(pd.sentAt) < wait {
				continue
			}
			if reliable || pd.proceeding || pd.tries > p.cfg.Retries {
				delete(p.pending, key)
				p.finish(pd, Signature{})
				continue
			}
			pd.tries++
			pd.sentAt = now
			p.nsent++
			resend = append(resend, pd)
		}
		p.mu.Unlock()
		for _, pd := range resend {
			if err := p.conn.Send(ctx, pd.data); err != nil && ctx.Err() != nil {
				return
			}
		}
	}
}

// finish records an answer and frees the window slot. p.mu is held.
func (p *prober) finish(pd *pending, s Signature) {
	b := pd.b
	b.sigs[pd.idx] = s
	b.left--
	select {
	case <-b.slots:
	default:
	}
	if b.progress != nil && s.Status != 0 {
		b.progress(len(b.sigs)-b.left, len(b.sigs))
	}
	if b.left == 0 {
		close(b.done)
	}
}

// readLoop matches every answer to its request until ctx ends.
func (p *prober) readLoop(ctx context.Context) {
	errs := 0
	for {
		data, err := p.conn.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			errs++
			if errs > 1000 {
				return
			}
			if strings.Contains(err.Error(), "closed") {
				return
			}
			continue
		}
		errs = 0
		p.handle(ctx, data)
	}
}

func (p *prober) handle(ctx context.Context, data []byte) {
	resp := sip.ParseComplete(data)
	if resp == nil || resp.IsRequest() {
		return
	}
	callID := resp.CallID()
	_, method, _ := resp.CSeq()
	var follow []*sip.Message
	p.mu.Lock()
	pd := p.pending[callID]
	if method == "INVITE" {
		if inv := p.invites[callID]; inv != nil {
			follow = inviteFollowUp(inv, resp, false)
		}
	}
	if pd != nil && method == pd.req.Method {
		code := resp.StatusCode
		switch {
		case code >= 200 || (method == "INVITE" && code >= 180):
			delete(p.pending, callID)
			if method == "INVITE" {
				p.invites[callID] = pd.req
				follow = inviteFollowUp(pd.req, resp, true)
			}
			p.finish(pd, SignatureOf(resp))
		case code >= 100:
			pd.proceeding = true
			pd.sentAt = p.cfg.Now()
		}
	}
	p.nsent += len(follow)
	p.mu.Unlock()
	for _, m := range follow {
		_ = p.conn.Send(ctx, m.Bytes())
	}
}

// inviteFollowUp returns what an INVITE's answer obliges us to send: ACK
// for a final error, CANCEL for ringing, ACK and BYE for a 2xx (we never
// want a call). first is true for the first answer seen.
func inviteFollowUp(inv, resp *sip.Message, first bool) []*sip.Message {
	code := resp.StatusCode
	switch {
	case code >= 300:
		ack := sip.NewRequest("ACK", inv.RequestURI)
		ack.Add("Via", inv.Get("Via"))
		ack.Add("Max-Forwards", "70")
		ack.Add("From", inv.Get("From"))
		ack.Add("To", resp.Get("To"))
		ack.Add("Call-ID", inv.CallID())
		ack.Add("CSeq", "1 ACK")
		ack.Add("Content-Length", "0")
		return []*sip.Message{ack}
	case code >= 200:
		target := inv.RequestURI
		if c := resp.Get("Contact"); c != "" {
			if na, err := sip.ParseNameAddr(c); err == nil && na.URI != nil {
				target = na.URI.String()
			}
		}
		via := inv.Get("Via")
		mk := func(method, cseq, branch string) *sip.Message {
			m := sip.NewRequest(method, target)
			m.Add("Via", replaceBranch(via, branch))
			m.Add("Max-Forwards", "70")
			m.Add("From", inv.Get("From"))
			m.Add("To", resp.Get("To"))
			m.Add("Call-ID", inv.CallID())
			m.Add("CSeq", cseq)
			m.Add("Content-Length", "0")
			return m
		}
		return []*sip.Message{mk("ACK", "1 ACK", "ack"), mk("BYE", "2 BYE", "bye")}
	case code >= 180 && first:
		c := sip.NewRequest("CANCEL", inv.RequestURI)
		c.Add("Via", inv.Get("Via"))
		c.Add("Max-Forwards", "70")
		c.Add("From", inv.Get("From"))
		c.Add("To", inv.Get("To"))
		c.Add("Call-ID", inv.CallID())
		c.Add("CSeq", "1 CANCEL")
		c.Add("Content-Length", "0")
		return []*sip.Message{c}
	}
	return nil
}

func replaceBranch(via, suffix string) string {
	i := strings.Index(via, "branch=")
	if i < 0 {
		return via
	}
	j := strings.IndexAny(via[i:], ";,")
	end := len(via)
	if j >= 0 {
		end = i + j
	}
	return via[:end] + suffix + via[end:]
}

// build makes the probe request for one ID.
func (p *prober) build(id string) *sip.Message {
	p.mu.Lock()
	p.seq++
	n := p.seq
	p.mu.Unlock()
	cfg := p.cfg
	t := cfg.Target
	scheme := "sip"
	if t.Secure() {
		scheme = "sips"
	}
	aor := scheme + ":" + id + "@" + cfg.Domain
	ruri := aor
	if cfg.Method == "REGISTER" {
		ruri = scheme + ":" + cfg.Domain
	}
	local := p.conn.LocalAddr()
	m := sip.NewRequest(cfg.Method, ruri)
	m.Add("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=%s%s%d;rport", viaTransport(p.conn.Transport()), local, sip.BranchMagic, p.prefix, n))
	m.Add("Max-Forwards", "70")
	from := aor
	if cfg.Method != "REGISTER" {
		from = scheme + ":sipvet@" + cfg.Domain
	}
	m.Add("From", fmt.Sprintf("<%s>;tag=%s", from, randHex(cfg.Rand, 4)))
	m.Add("To", "<"+aor+">")
	m.Add("Call-ID", fmt.Sprintf("%s-%d@sipvet", p.prefix, n))
	m.Add("CSeq", "1 "+cfg.Method)
	switch cfg.Method {
	case "REGISTER":
		// No Contact: a query (RFC 3261 §10.2.3) creates no binding.
	case "SUBSCRIBE":
		m.Add("Contact", "<sip:sipvet@"+local+">")
		m.Add("Event", "presence")
		m.Add("Accept", "application/pidf+xml")
		m.Add("Expires", "0")
	default:
		m.Add("Contact", "<sip:sipvet@"+local+">")
	}
	if cfg.UserAgent != "" {
		m.Add("User-Agent", cfg.UserAgent)
	}
	m.Add("Content-Length", "0")
	return m
}

func viaTransport(tr string) string {
	if tr == "" {
		return "UDP"
	}
	return strings.ToUpper(tr)
}
