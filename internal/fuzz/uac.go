package fuzz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// ErrNoDevice is wrapped when the device under test never contacts sipvet.
var ErrNoDevice = errors.New("fuzz: the device under test did not contact sipvet")

// ErrUnsupported is returned by a UACDriver that cannot carry out an action.
var ErrUnsupported = errors.New("fuzz: action not supported by the driver")

// UACDriver makes a device under test (a UA that registers to sipvet and
// calls it) send requests.
type UACDriver interface {
	// Register makes the device send a REGISTER now (ErrUnsupported when it
	// cannot; REGISTER cases are then skipped).
	Register(ctx context.Context) error
	// Dial makes the device call uri.
	Dial(ctx context.Context, uri string) error
	// Hangup makes the device end its current call.
	Hangup(ctx context.Context) error
}

// BaresipCons drives baresip through its cons module (one UDP datagram per
// command). With Account set, Register deletes and re-creates that user
// agent (/uadel, /uanew), which makes baresip register at once.
type BaresipCons struct {
	// Addr is the cons_listen "ip:port".
	Addr string
	// Account is the account line of the user agent to re-create
	// ("<sip:dut@host:port>;auth_pass=…;regint=600"); "" disables Register.
	Account string
}

func (b *BaresipCons) send(ctx context.Context, lines ...string) error {
	c, err := transport.DialRaw(ctx, "udp", b.Addr, transport.Options{})
	if err != nil {
		return fmt.Errorf("fuzz: baresip cons: %w", err)
	}
	defer c.Close()
	for _, l := range lines {
		if _, err := c.Write([]byte(l + "\n")); err != nil {
			return fmt.Errorf("fuzz: baresip cons: %w", err)
		}
	}
	return nil
}

// Register implements UACDriver.
func (b *BaresipCons) Register(ctx context.Context) error {
	if b.Account == "" {
		return ErrUnsupported
	}
	aor := b.Account
	if i := strings.Index(aor, ">"); strings.HasPrefix(aor, "<") && i > 0 {
		aor = aor[1:i]
	}
	if err := b.send(ctx, "/uadel "+aor); err != nil {
		return err
	}
	sleepCtx(ctx, 20*time.Millisecond)
	return b.send(ctx, "/uanew "+b.Account)
}

// Dial implements UACDriver.
func (b *BaresipCons) Dial(ctx context.Context, uri string) error { return b.send(ctx, "/dial "+uri) }

// Hangup implements UACDriver.
func (b *BaresipCons) Hangup(ctx context.Context) error { return b.send(ctx, "/hangup") }

// UACConfig configures a campaign of malformed responses to a device's
// own requests (the device is a UAC: it registers to sipvet and calls it).
type UACConfig struct {
	// Listen is where sipvet listens as the device's registrar and call
	// peer: "udp://ip:port" or "ip:port".
	Listen string
	// Driver makes the device send requests.
	Driver UACDriver
	// Device is the device's SIP "ip:port" for liveness probes ("" =
	// learned from its first request).
	Device string
	// Methods restricts the answered methods (default UACMethods()).
	Methods []string
	// Seed makes the campaign reproducible.
	Seed uint64
	// Start, Stop (exclusive, 0 = end), Only, MaxCases and Duration bound
	// the campaign as in Config.
	Start, Stop int
	Only        []int
	MaxCases    int
	Duration    time.Duration
	// ProbeEvery is the number of cases between liveness probes (default 20).
	ProbeEvery int
	// Window is how many preceding cases a reproducer keeps (default ProbeEvery).
	Window int
	// Wait bounds how long to wait for the device's request after a
	// trigger (default 3 s) and for its first contact (5 × Wait).
	Wait time.Duration
	// Settle is how long the device's follow-up requests (ACK, retries)
	// are answered after each exchange (default 50 ms).
	Settle time.Duration
	// MaxFailures stops the campaign after this many distinct failures (default 20).
	MaxFailures int
	// OutDir receives reproducer directories.
	OutDir string
	// Monitor configures liveness probing of the device.
	Monitor MonitorConfig
	// Transport options (observers) for the listener and probes.
	Transport transport.Options
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives debug output; nil discards it.
	Log *slog.Logger
	// OnProgress and OnFailure are as in Config.
	OnProgress func(Progress)
	OnFailure  func(Failure)
}

// uacServer is sipvet's side of a UAC campaign: a listener that answers
// the device's requests, the targeted one with a case.
type uacServer struct {
	l      transport.Listener
	local  string
	in     chan transport.Packet
	device string
	mu     sync.Mutex
	// answered maps "branch|method" to the response sent, for retransmissions.
	answered map[string][]byte
	order    []string
	invites  map[string]*sip.Message // by Call-ID, for 487 after CANCEL
	log      *slog.Logger
}

func listenAddr(s string) string {
	if _, rest, ok := strings.Cut(s, "://"); ok {
		return rest
	}
	return s
}

func newUACServer(ctx context.Context, listen string, opts transport.Options, log *slog.Logger) (*uacServer, error) {
	l, err := transport.Listen(ctx, "udp", listenAddr(listen), opts)
	if err != nil {
		return nil, fmt.Errorf("fuzz: listen: %w", err)
	}
	s := &uacServer{l: l, local: l.Addr(), in: make(chan transport.Packet, 256), answered: map[string][]byte{}, invites: map[string]*sip.Message{}, log: log}
	go func() {
		defer close(s.in)
		for {
			p, err := l.Recv(ctx)
			if err != nil {
				if errors.Is(err, transport.ErrClosed) || ctx.Err() != nil {
					return
				}
				continue
			}
			select {
			case s.in <- p:
			default: // a flood: drop
			}
		}
	}()
	return s, nil
}

func (s *uacServer) close() { s.l.Close() }

// FillResponse fills a response template (a "uac" case) from the device's
// request req; local is sipvet's "ip:port".
func FillResponse(tmpl []byte, req *sip.Message, local string) []byte {
	var via strings.Builder
	for i, h := range req.Headers {
		if strings.EqualFold(h.Name, "Via") || strings.EqualFold(h.Name, "v") {
			if via.Len() > 0 {
				via.WriteString("\r\n")
			}
			via.WriteString("Via: " + req.Headers[i].Value)
		}
	}
	to := req.Get("To")
	if na, err := req.To(); err == nil && na.Tag() != "" {
		// keep the dialog's tag: the template adds its own only outside a dialog
		to = strings.TrimSpace(to)
	}
	n, method, _ := req.CSeq()
	host := local
	if c, err := contactHostPort(req); err == nil {
		host = c
	}
	ip := local
	if i := strings.LastIndex(ip, ":"); i > 0 {
		ip = strings.Trim(ip[:i], "[]")
	}
	r := strings.NewReplacer(PlaceVia, via.String(), PlaceFrom, req.Get("From"), PlaceTo, to, PlaceCallID, req.CallID(),
		PlaceCSeq, req.Get("CSeq"), PlaceNum, strconv.FormatUint(uint64(n), 10), "{{method}}", method, PlaceLocal, local, PlaceIP, ip,
		"{{contact-hostport}}", host)
	out := r.Replace(string(tmpl))
	if na, err := req.To(); err == nil && na.Tag() != "" {
		// in a dialog the device's To already has our tag: drop the template's extra one
		out = strings.Replace(out, ";tag=u", ";x-fuzz-tag=u", 1)
	}
	return []byte(out)
}

// contactHostPort returns the host:port of the request's Contact URI.
func contactHostPort(req *sip.Message) (string, error) {
	c := req.Get("Contact")
	if i := strings.Index(c, "<"); i >= 0 {
		c = c[i+1:]
		if j := strings.Index(c, ">"); j >= 0 {
			c = c[:j]
		}
	}
	if i := strings.Index(c, "@"); i >= 0 {
		c = c[i+1:]
	} else if i := strings.Index(c, ":"); i >= 0 {
		c = c[i+1:]
	}
	if i := strings.IndexAny(c, ";>?"); i >= 0 {
		c = c[:i]
	}
	if c == "" {
		return "", fmt.Errorf("fuzz: no contact")
	}
	return c, nil
}

func reqKey(m *sip.Message) string {
	v, _ := m.TopVia()
	b, _ := v.Param("branch")
	_, method, _ := m.CSeq()
	return b + "|" + method
}

// respond sends data as the answer to the request in p.
func (s *uacServer) respond(ctx context.Context, p transport.Packet, m *sip.Message, data []byte) {
	k := reqKey(m)
	s.mu.Lock()
	if _, ok := s.answered[k]; !ok {
		s.order = append(s.order, k)
		if len(s.order) > 512 {
			delete(s.answered, s.order[0])
			s.order = s.order[1:]
		}
	}
	s.answered[k] = data
	s.mu.Unlock()
	if len(data) > maxDatagram {
		data = data[:maxDatagram]
	}
	_ = s.l.Reply(ctx, p, data)
}

// valid answers m with a valid response.
func (s *uacServer) valid(ctx context.Context, p transport.Packet, m *sip.Message, code int, reason string) {
	_, method, _ := m.CSeq()
	s.respond(ctx, p, m, FillResponse(ValidResponse(method, code, reason), m, s.local))
}

// handle answers a request no case targets.
func (s *uacServer) handle(ctx context.Context, p transport.Packet, m *sip.Message) {
	if !m.IsRequest() {
		return
	}
	s.mu.Lock()
	old, ok := s.answered[reqKey(m)]
	s.mu.Unlock()
	if ok && m.Method != "ACK" {
		_ = s.l.Reply(ctx, p, old) // a retransmission: the same answer again
		return
	}
	switch m.Method {
	case "ACK":
	case "REGISTER":
		s.valid(ctx, p, m, 200, "OK")
	case "INVITE":
		if to, err := m.To(); err == nil && to.Tag() != "" {
			s.valid(ctx, p, m, 200, "OK") // re-INVITE in a dialog
			return
		}
		s.mu.Lock()
		s.invites[m.CallID()] = m
		s.mu.Unlock()
		s.valid(ctx, p, m, 486, "Busy Here")
	case "CANCEL":
		s.valid(ctx, p, m, 200, "OK")
	default:
		s.valid(ctx, p, m, 200, "OK")
	}
}

// next returns the first request for which want holds, answering every
// other message, or an error after d.
func (s *uacServer) next(ctx context.Context, d time.Duration, want func(*sip.Message) bool) (transport.Packet, *sip.Message, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return transport.Packet{}, nil, ctx.Err()
		case <-t.C:
			return transport.Packet{}, nil, errTimeout
		case p, ok := <-s.in:
			if !ok {
				return transport.Packet{}, nil, transport.ErrClosed
			}
			m, _ := sip.Parse(p.Data)
			if m == nil {
				continue
			}
			if m.IsRequest() && s.device == "" {
				s.device = p.Src
				if c, err := contactHostPort(m); err == nil && strings.Contains(c, ":") {
					s.device = c
				}
			}
			if want != nil && m.IsRequest() && want(m) {
				return p, m, nil
			}
			s.handle(ctx, p, m)
		}
	}
}

// drain answers what arrives for d.
func (s *uacServer) drain(ctx context.Context, d time.Duration) { _, _, _ = s.next(ctx, d, nil) }

var errTimeout = errors.New("fuzz: timeout")

// statusOf reads the status code of a rendered response (0 when unreadable).
func statusOf(b []byte) int {
	line, _, _ := strings.Cut(string(b[:min(len(b), 64)]), "\r\n")
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		return 0
	}
	return n
}

// uacStep is the outcome of serving one case.
type uacStep struct {
	sent    bool   // the case was sent
	skipped bool   // the driver cannot trigger the method
	anomaly string // what went wrong, "" when nothing
	data    []byte // what was sent
}

// serve triggers the device's request of c.Answers, answers it with the
// case and completes the exchange with valid messages.
func (s *uacServer) serve(ctx context.Context, drv UACDriver, c Case, wait, settle time.Duration, callURI string) uacStep {
	isNewInvite := func(m *sip.Message) bool {
		if m.Method != "INVITE" {
			return false
		}
		to, err := m.To()
		s.mu.Lock()
		_, seen := s.invites[m.CallID()]
		s.mu.Unlock()
		return err == nil && to.Tag() == "" && !seen
	}
	switch c.Answers {
	case "REGISTER":
		if err := drv.Register(ctx); err != nil {
			if errors.Is(err, ErrUnsupported) {
				return uacStep{skipped: true}
			}
			return uacStep{anomaly: "driver: " + err.Error()}
		}
		p, m, err := s.next(ctx, wait, func(m *sip.Message) bool {
			if m.Method != "REGISTER" {
				return false
			}
			n, _, _ := m.CSeq()
			// skip the un-REGISTER of the re-creation (Expires 0)
			return !(m.Get("Expires") == "0" || strings.Contains(m.Get("Contact"), "expires=0")) || n == 0
		})
		if err != nil {
			return uacStep{anomaly: "the device sent no REGISTER when asked"}
		}
		data := FillResponse(c.Data, m, s.local)
		s.respond(ctx, p, m, data)
		s.drain(ctx, settle)
		return uacStep{sent: true, data: data}
	case "INVITE":
		if err := drv.Dial(ctx, callURI); err != nil {
			return uacStep{anomaly: "driver: " + err.Error()}
		}
		p, m, err := s.next(ctx, wait, isNewInvite)
		if err != nil {
			return uacStep{anomaly: "the device sent no INVITE when asked to call"}
		}
		s.mu.Lock()
		s.invites[m.CallID()] = m
		s.mu.Unlock()
		data := FillResponse(c.Data, m, s.local)
		s.respond(ctx, p, m, data)
		st := statusOf(data)
		switch {
		case st >= 200 && st < 300:
			s.drain(ctx, settle) // ACK
			_ = drv.Hangup(ctx)
		case st >= 300 && st < 700:
		default:
			// provisional or unreadable: end the transaction with a valid final answer
			s.drain(ctx, settle/2)
			s.valid(ctx, p, m, 486, "Busy Here")
			_ = drv.Hangup(ctx)
		}
		s.drain(ctx, settle)
		return uacStep{sent: true, data: data}
	case "BYE":
		if err := drv.Dial(ctx, callURI); err != nil {
			return uacStep{anomaly: "driver: " + err.Error()}
		}
		p, m, err := s.next(ctx, wait, isNewInvite)
		if err != nil {
			return uacStep{anomaly: "the device sent no INVITE when asked to call"}
		}
		s.mu.Lock()
		s.invites[m.CallID()] = m
		s.mu.Unlock()
		s.valid(ctx, p, m, 200, "OK")
		call := m.CallID()
		s.drain(ctx, settle)
		if err := drv.Hangup(ctx); err != nil {
			return uacStep{anomaly: "driver: " + err.Error()}
		}
		p, m, err = s.next(ctx, wait, func(m *sip.Message) bool { return m.Method == "BYE" && m.CallID() == call })
		if err != nil {
			return uacStep{anomaly: "the device sent no BYE when asked to hang up"}
		}
		data := FillResponse(c.Data, m, s.local)
		s.respond(ctx, p, m, data)
		s.drain(ctx, settle)
		return uacStep{sent: true, data: data}
	}
	return uacStep{skipped: true}
}

// RunUAC runs a campaign of malformed responses to the requests of a
// device under test that registers to sipvet and calls it (Config.Listen):
// for each case the driver makes the device send a REGISTER, INVITE or BYE,
// which is answered with the case (401 challenges with broken parameters,
// 200 with broken SDP/Contact/Record-Route, 180/183 anomalies, overflows …).
// The device's liveness is probed with OPTIONS to its SIP address.
func RunUAC(ctx context.Context, cfg UACConfig) (*Report, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ProbeEvery <= 0 {
		cfg.ProbeEvery = 20
	}
	if cfg.Window <= 0 {
		cfg.Window = cfg.ProbeEvery
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 3 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 50 * time.Millisecond
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 20
	}
	if cfg.Driver == nil {
		return nil, fmt.Errorf("fuzz: a UAC campaign needs a driver for the device")
	}
	cfg.Monitor.Transport = cfg.Transport
	if cfg.Monitor.Now == nil {
		cfg.Monitor.Now = cfg.Now
	}
	rep := &Report{Seed: cfg.Seed, Sources: []string{UACSourceName}, PerSource: map[string]int{}, Started: cfg.Now().UTC()}
	defer func() { rep.Finished = cfg.Now().UTC() }()
	srv, err := newUACServer(ctx, cfg.Listen, cfg.Transport, cfg.Log)
	if err != nil {
		return rep, err
	}
	defer srv.close()
	srv.device = cfg.Device
	if srv.device == "" {
		srv.drainUntilDevice(ctx, 5*cfg.Wait)
		if srv.device == "" {
			return rep, fmt.Errorf("%w within %v at %s", ErrNoDevice, 5*cfg.Wait, srv.local)
		}
	}
	dev, err := target.Parse("udp://" + srv.device)
	if err != nil {
		return rep, fmt.Errorf("fuzz: device address %q: %w", srv.device, err)
	}
	rep.Target = dev.String()
	src := newUACSource(Params{Seed: cfg.Seed}, cfg.Methods)
	rep.Total = src.Len()
	mon, err := newMonitor(ctx, dev, cfg.Monitor, nil)
	if err != nil {
		return rep, err
	}
	defer mon.close()
	defer func() { rep.Timeline, rep.Probes = mon.timeline, mon.probes }()
	// the device's requests keep being answered while the monitor learns
	learnDone := make(chan error, 1)
	go func() { learnDone <- mon.ready(ctx) }()
	for done := false; !done; {
		select {
		case err = <-learnDone:
			done = true
		default:
			srv.drain(ctx, 20*time.Millisecond)
		}
	}
	if err != nil {
		return rep, err
	}
	rep.Baseline, rep.ProbeMethod = mon.baseline, mon.method
	u := &uacRun{cfg: cfg, srv: srv, mon: mon, rep: rep, keys: map[string]int{}, src: src}
	err = u.loop(ctx)
	return rep, err
}

func (s *uacServer) drainUntilDevice(ctx context.Context, d time.Duration) {
	end := time.Now().Add(d)
	for s.device == "" && time.Now().Before(end) && ctx.Err() == nil {
		s.drain(ctx, 50*time.Millisecond)
	}
	s.drain(ctx, 50*time.Millisecond)
}

// uacRun is one UAC campaign in progress.
type uacRun struct {
	cfg    UACConfig
	srv    *uacServer
	mon    *monitor
	rep    *Report
	src    *uacSource
	window []sentCase
	keys   map[string]int
}

func (u *uacRun) callURI() string { return "sip:fuzz@" + u.srv.local }

func (u *uacRun) indices() []int {
	if len(u.cfg.Only) > 0 {
		return u.cfg.Only
	}
	stop := u.cfg.Stop
	if stop <= 0 || stop > u.src.Len() {
		stop = u.src.Len()
	}
	var out []int
	for i := u.cfg.Start; i < stop; i++ {
		out = append(out, i)
	}
	return out
}

func (u *uacRun) loop(ctx context.Context) error {
	idx := u.indices()
	start := u.cfg.Now()
	last := start
	since := 0
	for k, i := range idx {
		if ctx.Err() != nil {
			u.rep.Stopped = "interrupted"
			return ctx.Err()
		}
		if u.cfg.MaxCases > 0 && u.rep.Sent >= u.cfg.MaxCases {
			u.rep.Stopped = fmt.Sprintf("--max-cases %d reached", u.cfg.MaxCases)
			break
		}
		if u.cfg.Duration > 0 && u.cfg.Now().Sub(start) >= u.cfg.Duration {
			u.rep.Stopped = fmt.Sprintf("--duration %v reached", u.cfg.Duration)
			break
		}
		c := u.src.Case(i)
		c.Index = i
		u.rep.Next = i + 1
		st := u.srv.serve(ctx, u.cfg.Driver, c, u.cfg.Wait, u.cfg.Settle, u.callURI())
		if st.skipped {
			u.rep.NoCall++
			continue
		}
		if st.sent {
			u.window = append(u.window, sentCase{c: c, data: c.Data})
			if len(u.window) > u.cfg.Window+1 {
				u.window = append(u.window[:0], u.window[len(u.window)-u.cfg.Window-1:]...)
			}
			u.rep.Sent++
			u.rep.PerSource[UACSourceName]++
		} else {
			u.cfg.Log.Debug("uac case not served", "case", c.ID(), "why", st.anomaly)
			u.window = append(u.window, sentCase{c: c, data: c.Data})
		}
		since++
		if since >= u.cfg.ProbeEvery || st.anomaly != "" || k == len(idx)-1 {
			since = 0
			if stop := u.checkpoint(ctx, i, st.anomaly); stop != "" {
				u.rep.Stopped = stop
				break
			}
		}
		if now := u.cfg.Now(); now.Sub(last) >= time.Second && u.cfg.OnProgress != nil {
			last = now
			u.cfg.OnProgress(Progress{Index: i, Sent: u.rep.Sent, Total: len(idx), Failures: len(u.rep.Failures), Rate: float64(u.rep.Sent) / now.Sub(start).Seconds(), Group: c.Group})
		}
	}
	if el := u.cfg.Now().Sub(start).Seconds(); el > 0 {
		u.rep.CasesPerSec = float64(u.rep.Sent) / el
	}
	return nil
}

// checkpoint probes the device (answering its requests meanwhile) and
// records a failure.
func (u *uacRun) checkpoint(ctx context.Context, i int, anomaly string) string {
	evc := make(chan *event, 1)
	go func() { evc <- u.mon.check(ctx, i, true) }()
	var ev *event
	for done := false; !done; {
		select {
		case ev = <-evc:
			done = true
		default:
			u.srv.drain(ctx, 20*time.Millisecond)
		}
	}
	if ctx.Err() != nil {
		return "interrupted"
	}
	if ev == nil && anomaly != "" && strings.HasPrefix(anomaly, "the device sent no") {
		// alive on OPTIONS but no longer acting on the driver: try once more
		ev = &event{class: ClassNoAnswer, detail: anomaly + " (it still answers OPTIONS)"}
	}
	if ev == nil {
		return ""
	}
	u.fail(ev)
	if len(u.rep.Failures) >= u.cfg.MaxFailures {
		return fmt.Sprintf("%d distinct failures (--max-failures)", len(u.rep.Failures))
	}
	if ev.dead {
		return "the device stopped answering (" + ev.detail + ")"
	}
	return ""
}

func (u *uacRun) fail(ev *event) {
	if len(u.window) == 0 {
		return
	}
	last := u.window[len(u.window)-1]
	key := ev.class + "|" + normalizeDetail(ev.detail) + "|" + last.c.Group
	if n, ok := u.keys[key]; ok {
		u.rep.Failures[n].Occurrences++
		u.window = u.window[:0]
		return
	}
	f := Failure{Class: ev.class, Detail: ev.detail, Case: refOf(last.c), Window: len(u.window) - 1, Occurrences: 1, Time: u.cfg.Now().UTC(), key: key}
	if u.cfg.OutDir != "" {
		rp := &Reproducer{Schema: ReproSchema, Mode: ModeUAC, Target: u.rep.Target, Listen: u.srv.local, Seed: u.cfg.Seed, Sources: []string{UACSourceName},
			Class: f.Class, Detail: f.Detail, Time: f.Time, Baseline: int64(u.mon.baseline)}
		for _, s := range u.window {
			rp.Cases = append(rp.Cases, ReproCase{CaseRef: refOf(s.c), Kind: KindResponse, Answers: s.c.Answers, Data: s.data})
		}
		tl := u.mon.timeline
		if len(tl) > 200 {
			tl = tl[len(tl)-200:]
		}
		rp.Timeline = tl
		dir := fmt.Sprintf("%s/failure-%03d-%s", u.cfg.OutDir, len(u.rep.Failures)+1, f.Class)
		if err := rp.Save(dir); err != nil {
			u.cfg.Log.Warn("reproducer not saved", "err", err)
		} else {
			f.Reproducer = dir
		}
	}
	u.keys[key] = len(u.rep.Failures)
	u.rep.Failures = append(u.rep.Failures, f)
	u.window = u.window[:0]
	if u.cfg.OnFailure != nil {
		u.cfg.OnFailure(f)
	}
}

// trialUAC re-serves the reproducer's responses to the device's requests
// (triggered through the driver) and probes the device.
func trialUAC(ctx context.Context, rc *ReplayConfig, rp *Reproducer, dev target.Target, cases []ReproCase) (*event, error) {
	if rc.Driver == nil {
		return nil, fmt.Errorf("%w: a uac reproducer needs a driver for the device (--dut-control)", ErrBadReproducer)
	}
	listen := rc.Listen
	if listen == "" {
		listen = rp.Listen
	}
	srv, err := newUACServer(ctx, listen, rc.Monitor.Transport, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	defer srv.close()
	srv.device = dev.HostPort()
	mon, err := newMonitor(ctx, dev, rc.Monitor, nil)
	if err != nil {
		return nil, err
	}
	defer mon.close()
	wait := func(f func() *event) *event {
		evc := make(chan *event, 1)
		go func() { evc <- f() }()
		for {
			select {
			case ev := <-evc:
				return ev
			default:
				srv.drain(ctx, 20*time.Millisecond)
			}
		}
	}
	var readyErr error
	wait(func() *event { readyErr = mon.ready(ctx); return nil })
	if readyErr != nil {
		return nil, readyErr
	}
	uri := "sip:fuzz@" + srv.local
	var anomaly string
	for _, c := range cases {
		st := srv.serve(ctx, rc.Driver, Case{Source: UACSourceName, Kind: KindResponse, Data: c.Data, Answers: c.Answers, Dialog: -1}, rc.uacWait(), min(rc.Settle, 50*time.Millisecond), uri)
		if st.anomaly != "" {
			anomaly = st.anomaly
		}
	}
	srv.drain(ctx, rc.Settle)
	ev := wait(func() *event { return mon.check(ctx, len(cases)-1, true) })
	if ev == nil && strings.HasPrefix(anomaly, "the device sent no") {
		ev = &event{class: ClassNoAnswer, detail: anomaly + " (it still answers OPTIONS)"}
	}
	return ev, ctx.Err()
}
