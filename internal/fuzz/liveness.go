package fuzz

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// ErrNotAlive is wrapped when the target does not answer liveness probes
// before the campaign or replay starts.
var ErrNotAlive = errors.New("fuzz: target does not answer liveness probes")

// Failure classes.
const (
	ClassNoAnswer  = "no-answer"
	ClassHang      = "hang"
	ClassSlow      = "slow"
	ClassRestart   = "restart"
	ClassExit      = "exit"
	ClassSignal    = "signal"
	ClassSanitizer = "sanitizer"
	ClassEcho      = "echo"
)

// Probe is one entry of the liveness timeline.
type Probe struct {
	Time      time.Time     `json:"time"`
	AfterCase int           `json:"after_case"`
	OK        bool          `json:"ok"`
	Latency   time.Duration `json:"latency_ns"`
	Status    int           `json:"status,omitempty"`
	Note      string        `json:"note,omitempty"`
}

// MonitorConfig configures liveness monitoring.
type MonitorConfig struct {
	// ProbeTimeout bounds one probe (default 2 s).
	ProbeTimeout time.Duration
	// SlowFactor and SlowMin: a probe is slow when its latency exceeds both
	// SlowFactor × baseline and SlowMin (defaults 10 and 200 ms).
	SlowFactor float64
	SlowMin    time.Duration
	// RecoverWait bounds how long to wait for a target to answer again
	// (default 10 s).
	RecoverWait time.Duration
	// Transport options for the probe connection (evidence observers).
	Transport transport.Options
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *MonitorConfig) defaults() {
	if c.ProbeTimeout <= 0 {
		c.ProbeTimeout = 2 * time.Second
	}
	if c.SlowFactor <= 0 {
		c.SlowFactor = 10
	}
	if c.SlowMin <= 0 {
		c.SlowMin = 200 * time.Millisecond
	}
	if c.RecoverWait <= 0 {
		c.RecoverWait = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// event is a detected failure before it is tied to cases.
type event struct {
	class, detail string
	// dead is true when the target did not come back.
	dead bool
}

// monitor probes one target and keeps the baseline and the timeline.
type monitor struct {
	cfg      MonitorConfig
	t        target.Target
	conn     transport.Conn
	proc     *Process
	seq      int
	method   string // OPTIONS or INVITE
	baseline time.Duration
	identity string
	tagPre   string
	timeline []Probe
	probes   int
}

func newMonitor(ctx context.Context, t target.Target, cfg MonitorConfig, proc *Process) (*monitor, error) {
	cfg.defaults()
	opts := cfg.Transport
	opts.LocalAddr = ""
	c, err := transport.Dial(ctx, t, opts)
	if err != nil {
		return nil, fmt.Errorf("fuzz: probe connection: %w", err)
	}
	return &monitor{cfg: cfg, t: t, conn: c, proc: proc, method: "OPTIONS"}, nil
}

func (m *monitor) close() { m.conn.Close() }

// probeResult is what one probe saw.
type probeResult struct {
	ok       bool
	latency  time.Duration
	status   int
	identity string
	toTag    string
}

func (m *monitor) request(method string, cseq int, branch, callID, fromTag string) []byte {
	var b strings.Builder
	ruri := "sip:" + target.Target{Host: m.t.Host, Port: m.t.Port}.HostPort()
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", method, ruri)
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n", m.t.ViaTransport(), m.conn.LocalAddr(), branch)
	fmt.Fprintf(&b, "Max-Forwards: 70\r\nFrom: <sip:liveness@sipvet.invalid>;tag=%s\r\nTo: <%s>\r\n", fromTag, ruri)
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:liveness@%s>\r\n", callID, cseq, method, m.conn.LocalAddr())
	b.WriteString("User-Agent: sipvet-liveness\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// probeOnce sends one liveness probe: OPTIONS, or an INVITE that is
// cancelled as soon as the target answers it.
func (m *monitor) probeOnce(ctx context.Context) probeResult {
	m.seq++
	m.probes++
	nonce := fmt.Sprintf("%x.%d", m.cfg.Now().UnixNano()&0xffffffffff, m.seq)
	branch, callID, tag := "z9hG4bKlv"+nonce, "lv"+nonce+"@sipvet.liveness", "lv"+nonce
	tm := transport.Timers{T1: m.cfg.ProbeTimeout / 8, T2: m.cfg.ProbeTimeout / 2, Timeout: m.cfg.ProbeTimeout}
	if tm.T1 > 500*time.Millisecond {
		tm.T1 = 500 * time.Millisecond
	}
	start := m.cfg.Now()
	if m.method == "OPTIONS" {
		res, err := transport.Transact(ctx, m.conn, m.request("OPTIONS", 1, branch, callID, tag), tm)
		if err != nil || res.Final == nil {
			return probeResult{}
		}
		return m.result(start, res.Final)
	}
	invite := m.request("INVITE", 1, branch, callID, tag)
	pctx, cancel := context.WithTimeout(ctx, m.cfg.ProbeTimeout)
	defer cancel()
	if err := m.conn.Send(pctx, invite); err != nil {
		return probeResult{}
	}
	for {
		p, err := m.conn.Recv(pctx)
		if err != nil {
			return probeResult{}
		}
		msg, _ := sip.Parse(p.Data)
		if msg == nil || msg.IsRequest() || msg.CallID() != callID {
			continue
		}
		r := m.result(start, msg)
		if msg.StatusCode < 200 {
			_ = m.conn.Send(pctx, m.request("CANCEL", 1, branch, callID, tag))
		} else if req, err := sip.Parse(invite); err == nil {
			if ack, err := transport.ACKFor(req, msg); err == nil && msg.StatusCode >= 300 {
				_ = m.conn.Send(pctx, ack.Bytes())
			}
		}
		return r
	}
}

func (m *monitor) result(start time.Time, msg *sip.Message) probeResult {
	r := probeResult{ok: true, latency: m.cfg.Now().Sub(start), status: msg.StatusCode}
	var id []string
	for _, h := range []string{"Server", "User-Agent", "Allow", "Supported"} {
		id = append(id, h+"="+msg.Get(h))
	}
	r.identity = strings.Join(id, "|")
	if to, err := msg.To(); err == nil {
		r.toTag = to.Tag()
	}
	return r
}

func (m *monitor) record(afterCase int, r probeResult, note string) {
	if len(m.timeline) >= 20000 {
		m.timeline = m.timeline[len(m.timeline)-10000:]
	}
	m.timeline = append(m.timeline, Probe{Time: m.cfg.Now().UTC(), AfterCase: afterCase, OK: r.ok, Latency: r.latency, Status: r.status, Note: note})
}

// learn probes the target several times to learn its baseline latency and
// identity; it falls back to INVITE/CANCEL when OPTIONS is not answered.
func (m *monitor) learn(ctx context.Context) error {
	var lat []time.Duration
	var tags []string
	for _, method := range []string{"OPTIONS", "INVITE"} {
		m.method = method
		for i := 0; i < 5 && ctx.Err() == nil; i++ {
			r := m.probeOnce(ctx)
			m.record(-1, r, "baseline "+method)
			if !r.ok {
				if i == 0 {
					break
				}
				continue
			}
			lat = append(lat, r.latency)
			tags = append(tags, r.toTag)
			m.identity = r.identity
		}
		if len(lat) > 0 {
			break
		}
	}
	if len(lat) == 0 {
		return fmt.Errorf("%w (%s, OPTIONS and INVITE unanswered within %v)", ErrNotAlive, m.t, m.cfg.ProbeTimeout)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	m.baseline = lat[len(lat)/2]
	// A To tag with a fixed per-process part ("prefix." or "prefix-")
	// tells restarts apart; counters and random tags have none.
	m.tagPre = commonPrefix(tags)
	if i := strings.LastIndexAny(m.tagPre, ".-_"); i >= 7 && len(tags) >= 3 {
		m.tagPre = m.tagPre[:i+1]
	} else {
		m.tagPre = ""
	}
	return nil
}

func commonPrefix(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// ready waits (up to RecoverWait) until the target answers probes of
// either kind, then learns its baseline.
func (m *monitor) ready(ctx context.Context) error {
	start := m.cfg.Now()
	for {
		err := m.learn(ctx)
		if err == nil || ctx.Err() != nil || m.cfg.Now().Sub(start) >= m.cfg.RecoverWait {
			return err
		}
		if m.proc != nil {
			if e, exited := m.proc.Exited(); exited {
				return fmt.Errorf("%w: the target process ended (%s)", ErrNotAlive, e)
			}
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
}

// waitAlive probes until the target answers or RecoverWait passes.
func (m *monitor) waitAlive(ctx context.Context, afterCase int) (time.Duration, bool) {
	start := m.cfg.Now()
	for ctx.Err() == nil && m.cfg.Now().Sub(start) < m.cfg.RecoverWait {
		if m.proc != nil {
			if _, exited := m.proc.Exited(); exited {
				return m.cfg.Now().Sub(start), false
			}
		}
		r := m.probeOnce(ctx)
		m.record(afterCase, r, "recovery")
		if r.ok && !m.isSlow(r.latency) {
			return m.cfg.Now().Sub(start), true
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
	return m.cfg.Now().Sub(start), false
}

func (m *monitor) isSlow(d time.Duration) bool {
	lim := time.Duration(float64(m.baseline) * m.cfg.SlowFactor)
	return d > lim && d > m.cfg.SlowMin
}

// check looks at the watched process and probes the target once; it
// returns nil when all is well. With recover set it waits for a target
// that stopped answering to come back and tells hang from no-answer.
func (m *monitor) check(ctx context.Context, afterCase int, recover bool) *event {
	if ev := m.procEvent(ctx, 0); ev != nil {
		m.record(afterCase, probeResult{}, ev.class+": "+ev.detail)
		return ev
	}
	r := m.probeOnce(ctx)
	if ctx.Err() != nil {
		return nil
	}
	switch {
	case !r.ok:
		m.record(afterCase, r, "no answer")
		if ev := m.procEvent(ctx, 200*time.Millisecond); ev != nil {
			return ev
		}
		if m.proc != nil {
			// confirm before the process is killed: one lost datagram or a
			// backlog the target works off within a probe timeout is not a
			// hang
			if r2 := m.probeOnce(ctx); r2.ok {
				m.record(afterCase, r2, "no answer once, then answered")
				if m.isSlow(r2.latency) {
					return &event{class: ClassSlow, detail: fmt.Sprintf("no answer within %v, then an answer after %v (baseline %v)", m.cfg.ProbeTimeout, r2.latency.Round(time.Microsecond), m.baseline.Round(time.Microsecond))}
				}
				return nil
			}
			if ev := m.procEvent(ctx, 0); ev != nil {
				return ev
			}
			return &event{class: ClassHang, detail: fmt.Sprintf("process %d is running but answers none of two probes within %v each", m.proc.Pid(), m.cfg.ProbeTimeout)}
		}
		if !recover {
			return &event{class: ClassNoAnswer, detail: fmt.Sprintf("no answer to a liveness probe within %v", m.cfg.ProbeTimeout)}
		}
		took, ok := m.waitAlive(ctx, afterCase)
		if ok {
			return &event{class: ClassHang, detail: fmt.Sprintf("did not answer for about %v, then recovered", (took + m.cfg.ProbeTimeout).Round(100*time.Millisecond))}
		}
		if ev := m.procEvent(ctx, 0); ev != nil {
			return ev
		}
		return &event{class: ClassNoAnswer, detail: fmt.Sprintf("no answer for %v", (took + m.cfg.ProbeTimeout).Round(time.Second)), dead: true}
	case m.isSlow(r.latency):
		// confirm: a single late answer may be scheduling noise
		r2 := m.probeOnce(ctx)
		if r2.ok && !m.isSlow(r2.latency) {
			m.record(afterCase, r, "slow once, then normal")
			m.record(afterCase, r2, "")
			return nil
		}
		m.record(afterCase, r, "slow")
		if recover {
			m.waitAlive(ctx, afterCase)
		}
		return &event{class: ClassSlow, detail: fmt.Sprintf("liveness latency %v vs baseline %v", r.latency.Round(time.Microsecond), m.baseline.Round(time.Microsecond))}
	case r.identity != m.identity || (m.tagPre != "" && !strings.HasPrefix(r.toTag, m.tagPre)):
		old := m.identity
		m.record(afterCase, r, "identity changed")
		m.identity = r.identity
		if m.tagPre != "" && !strings.HasPrefix(r.toTag, m.tagPre) {
			m.tagPre = ""
			return &event{class: ClassRestart, detail: "the To-tag pattern of the answers changed (the target restarted)"}
		}
		return &event{class: ClassRestart, detail: fmt.Sprintf("the answers changed from [%s] to [%s] (the target restarted)", old, r.identity)}
	}
	m.record(afterCase, r, "")
	if san := m.procSanitizer(); san != nil {
		return san
	}
	return nil
}

// procEvent reports an exit of the watched process, waiting up to d.
func (m *monitor) procEvent(ctx context.Context, d time.Duration) *event {
	if m.proc == nil {
		return nil
	}
	e, ok := m.proc.Exited()
	if !ok && m.proc.hasSanitizer() && d < 300*time.Millisecond {
		// a crash report often comes just before the exit
		d = 300 * time.Millisecond
	}
	if !ok && d > 0 {
		e, ok = m.proc.WaitExit(ctx, d)
	}
	if !ok {
		return m.procSanitizer()
	}
	san := m.proc.TakeSanitizer()
	detail := e.String()
	if len(san) > 0 {
		detail += ": " + truncate(san[0], 200)
	}
	if e.Signal != "" {
		return &event{class: ClassSignal, detail: detail, dead: true}
	}
	return &event{class: ClassExit, detail: detail, dead: true}
}

func (m *monitor) procSanitizer() *event {
	if m.proc == nil {
		return nil
	}
	if san := m.proc.TakeSanitizer(); len(san) > 0 {
		return &event{class: ClassSanitizer, detail: truncate(san[0], 200)}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
