package fuzz

import (
	"bytes"
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

// maxDatagram is the largest UDP payload.
const maxDatagram = 65507

// Config configures a campaign.
type Config struct {
	// Target is the target under test.
	Target target.Target
	// Sources are the selected source names (default: all).
	Sources []string
	// Seed makes the campaign reproducible.
	Seed uint64
	// User is the Request-URI user part of generated requests.
	User string
	// Mutations is the number of mutation cases.
	Mutations int
	// Start and Stop bound the campaign indices (Stop exclusive, 0 = end).
	Start, Stop int
	// Only lists campaign indices to run instead of a range.
	Only []int
	// Shard selects a deterministic slice of the campaign.
	Shard Shard
	// MaxCases and Duration bound the campaign (0 = no bound).
	MaxCases int
	Duration time.Duration
	// Rate is the number of cases per second (0 = as fast as possible).
	Rate float64
	// ProbeEvery is the number of cases between liveness probes (default 100).
	ProbeEvery int
	// Window is how many preceding cases a reproducer keeps (default ProbeEvery, at most 1000).
	Window int
	// Monitor configures liveness probing.
	Monitor MonitorConfig
	// Process, when set, is the target program sipvet starts and watches.
	Process *Process
	// Restart relaunches Process after it died and continues.
	Restart bool
	// OutDir receives reproducer directories and the resume state.
	OutDir string
	// MaxFailures stops the campaign after this many distinct failures (default 50).
	MaxFailures int
	// Local is the local source address of the fuzz socket ("" = any).
	Local string
	// Transport options (observers, limits) for every connection.
	Transport transport.Options
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives debug output; nil discards it.
	Log *slog.Logger
	// OnProgress is called about once a second; OnFailure at each new failure.
	OnProgress func(Progress)
	OnFailure  func(Failure)
}

// Progress is a progress report.
type Progress struct {
	Index, Sent, Total, Failures int
	Rate                         float64
	Group                        string
}

// CaseRef names a case in reports and reproducers.
type CaseRef struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Group  string `json:"group"`
	Detail string `json:"detail"`
}

func refOf(c Case) CaseRef {
	return CaseRef{Index: c.Index, ID: c.ID(), Group: c.Group, Detail: truncate(strconv.QuoteToGraphic(c.Detail), 120)}
}

// Failure is a distinct failure found by the campaign.
type Failure struct {
	Class  string  `json:"class"`
	Detail string  `json:"detail"`
	Case   CaseRef `json:"case"`
	// Window is how many cases before Case the reproducer holds.
	Window int `json:"window"`
	// Reproducer is the reproducer directory ("" when none was saved).
	Reproducer string `json:"reproducer"`
	// Occurrences counts failures with the same key.
	Occurrences int       `json:"occurrences"`
	Time        time.Time `json:"time"`
	// Header and Response describe an echo failure.
	Header string `json:"header,omitempty"`
	key    string
}

// Report is the outcome of a campaign.
type Report struct {
	Target        string         `json:"target"`
	Seed          uint64         `json:"seed"`
	Sources       []string       `json:"sources"`
	Total         int            `json:"total"`
	Sent          int            `json:"sent"`
	PerSource     map[string]int `json:"per_source"`
	CodecCases    int            `json:"codec_cases"`
	TooLarge      int            `json:"too_large"`
	NoCall        int            `json:"no_call"`
	Dialogs       int            `json:"dialogs"`
	DialogsFailed int            `json:"dialogs_failed"`
	Baseline      time.Duration  `json:"baseline_ns"`
	ProbeMethod   string         `json:"probe_method"`
	Probes        int            `json:"probes"`
	Restarts      int            `json:"restarts"`
	Timeline      []Probe        `json:"timeline"`
	Failures      []Failure      `json:"failures"`
	Started       time.Time      `json:"started"`
	Finished      time.Time      `json:"finished"`
	CasesPerSec   float64        `json:"cases_per_second"`
	// Next is the next campaign index to run (for --resume).
	Next int `json:"next"`
	// Stopped says why the campaign ended early ("" when it completed).
	Stopped string `json:"stopped,omitempty"`
}

// sentCase is a case as it went on the wire.
type sentCase struct {
	c    Case
	data []byte
	dst  string // "" = the target
}

// runner is one campaign in progress.
type runner struct {
	cfg    Config
	p      Params
	plan   *Plan
	conn   transport.Conn
	media  transport.Conn
	mon    *monitor
	rep    *Report
	window []sentCase
	keys   map[string]int
	now    func() time.Time

	mu      sync.Mutex
	anomaly bool
	dlgResp chan *sip.Message
	dlgCall string
	echoes  map[int]Case
	echoEv  []Failure
	hangups int

	dlgKey   string
	toTag    string
	mediaDst string
	dlgOK    bool
}

// Run runs a campaign and returns its report; the report is also returned
// (partial) with an error when the campaign could not finish.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ProbeEvery <= 0 {
		cfg.ProbeEvery = 100
	}
	if cfg.Window <= 0 {
		cfg.Window = cfg.ProbeEvery
	}
	if cfg.Window > 1000 {
		cfg.Window = 1000
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 50
	}
	if len(cfg.Sources) == 0 {
		cfg.Sources = SourceNames()
	}
	cfg.Monitor.Transport = cfg.Transport
	if cfg.Monitor.Now == nil {
		cfg.Monitor.Now = cfg.Now
	}
	r := &runner{cfg: cfg, now: cfg.Now, keys: map[string]int{}, dlgResp: make(chan *sip.Message, 64), echoes: map[int]Case{}}
	r.rep = &Report{Target: cfg.Target.String(), Seed: cfg.Seed, Sources: cfg.Sources, PerSource: map[string]int{}, Started: cfg.Now().UTC()}
	defer func() { r.rep.Finished = cfg.Now().UTC() }()

	if cfg.Process != nil {
		if err := cfg.Process.Start(); err != nil {
			return r.rep, err
		}
		defer cfg.Process.Stop()
	}
	topts := cfg.Transport
	topts.LocalAddr = cfg.Local
	conn, err := transport.Dial(ctx, cfg.Target, topts)
	if err != nil {
		return r.rep, fmt.Errorf("fuzz: %w", err)
	}
	defer conn.Close()
	r.conn = conn
	r.p = Params{Seed: cfg.Seed, Target: cfg.Target, Local: conn.LocalAddr(), User: cfg.User, Mutations: cfg.Mutations}
	if r.plan, err = NewPlan(r.p, cfg.Sources); err != nil {
		return r.rep, err
	}
	r.rep.Total = r.plan.Len()
	mon, err := newMonitor(ctx, cfg.Target, cfg.Monitor, cfg.Process)
	if err != nil {
		return r.rep, err
	}
	defer mon.close()
	r.mon = mon
	defer func() {
		r.rep.Timeline = mon.timeline
		r.rep.Probes = mon.probes
		if r.media != nil {
			r.media.Close()
		}
	}()
	if err := mon.ready(ctx); err != nil {
		return r.rep, err
	}
	r.rep.Baseline, r.rep.ProbeMethod = mon.baseline, mon.method

	rctx, stopReader := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.read(rctx) }()
	defer func() { stopReader(); conn.Close(); wg.Wait() }()

	err = r.loop(ctx)
	r.closeDialog(ctx)
	return r.rep, err
}

// indices returns the campaign indices to run, in order.
func (r *runner) indices() []int {
	if len(r.cfg.Only) > 0 {
		return r.cfg.Only
	}
	stop := r.cfg.Stop
	if stop <= 0 || stop > r.plan.Len() {
		stop = r.plan.Len()
	}
	var out []int
	for i := r.cfg.Start; i < stop; i++ {
		if r.cfg.Shard.Has(i) {
			out = append(out, i)
		}
	}
	return out
}

func (r *runner) loop(ctx context.Context) error {
	idx := r.indices()
	r.rep.Next = r.cfg.Start
	start := r.now()
	lastProgress := start
	sinceProbe := 0
	var group string
	// generate ahead on another goroutine (another core, when there is one)
	type item struct {
		k, i int
		c    Case
	}
	ahead := make(chan item, 256)
	gctx, stopGen := context.WithCancel(ctx)
	defer func() {
		stopGen()
		for range ahead {
		}
	}()
	go func() {
		defer close(ahead)
		for k, i := range idx {
			select {
			case ahead <- item{k, i, r.plan.Case(i)}:
			case <-gctx.Done():
				return
			}
		}
	}()
	for it := range ahead {
		k, i := it.k, it.i
		if ctx.Err() != nil {
			r.rep.Stopped = "interrupted"
			return ctx.Err()
		}
		if r.cfg.MaxCases > 0 && r.rep.Sent >= r.cfg.MaxCases {
			r.rep.Stopped = fmt.Sprintf("--max-cases %d reached", r.cfg.MaxCases)
			break
		}
		if r.cfg.Duration > 0 && r.now().Sub(start) >= r.cfg.Duration {
			r.rep.Stopped = fmt.Sprintf("--duration %v reached", r.cfg.Duration)
			break
		}
		if r.cfg.Rate > 0 {
			due := start.Add(time.Duration(float64(r.rep.Sent) / r.cfg.Rate * float64(time.Second)))
			if d := due.Sub(r.now()); d > time.Millisecond {
				sleepCtx(ctx, d)
			}
		}
		c := it.c
		group = c.Group
		r.rep.Next = i + 1
		if sent, err := r.send(ctx, c); err != nil {
			r.flagAnomaly()
			r.cfg.Log.Debug("send failed", "case", c.ID(), "err", err)
		} else if !sent {
			continue
		}
		sinceProbe++
		last := k == len(idx)-1
		if sinceProbe >= r.cfg.ProbeEvery || r.takeAnomaly() || r.procDone() || last {
			sinceProbe = 0
			if stop := r.checkpoint(ctx, i); stop != "" {
				r.rep.Stopped = stop
				break
			}
		}
		if now := r.now(); now.Sub(lastProgress) >= time.Second && r.cfg.OnProgress != nil {
			lastProgress = now
			r.cfg.OnProgress(Progress{Index: i, Sent: r.rep.Sent, Total: len(idx), Failures: len(r.rep.Failures), Rate: float64(r.rep.Sent) / now.Sub(start).Seconds(), Group: group})
		}
	}
	r.collectEchoes()
	if el := r.now().Sub(start).Seconds(); el > 0 {
		r.rep.CasesPerSec = float64(r.rep.Sent) / el
	}
	if r.cfg.OnProgress != nil {
		r.cfg.OnProgress(Progress{Index: r.rep.Next - 1, Sent: r.rep.Sent, Total: len(idx), Failures: len(r.rep.Failures), Rate: r.rep.CasesPerSec, Group: group})
	}
	return nil
}

func (r *runner) procDone() bool {
	if r.cfg.Process == nil {
		return false
	}
	_, done := r.cfg.Process.Exited()
	return done
}

// send puts one case on the wire; it returns false when the case was not
// sendable (too large for a datagram, no call for a media packet).
func (r *runner) send(ctx context.Context, c Case) (bool, error) {
	data := c.Data
	dst := ""
	if c.Dialog >= 0 {
		key := fmt.Sprintf("%s/%d", c.Source, c.Dialog)
		if key != r.dlgKey {
			r.closeDialog(ctx)
			r.openDialog(ctx, key, DialogFor(r.p, c.Source, c.Dialog))
		}
		tag := r.toTag
		if tag == "" {
			tag = "sipvet-no-dialog"
		}
		data = bytes.ReplaceAll(data, []byte(PlaceToTag), []byte(tag))
		if c.Kind != KindSIP {
			if r.mediaDst == "" {
				r.rep.NoCall++
				return false, nil
			}
			dst = r.mediaDst
			if c.Kind == KindRTCP {
				dst = rtcpAddr(dst)
			}
		}
	}
	if (r.cfg.Target.Transport == "udp" || dst != "") && len(data) > maxDatagram {
		r.rep.TooLarge++
		return false, nil
	}
	var err error
	if dst != "" {
		err = r.sendMedia(ctx, data, dst)
	} else {
		err = r.conn.Send(ctx, data)
	}
	if c.Echo != "" {
		r.mu.Lock()
		r.echoes[c.N] = c
		if len(r.echoes) > 4096 {
			r.echoes = map[int]Case{c.N: c}
		}
		r.mu.Unlock()
	}
	r.window = append(r.window, sentCase{c: c, data: data, dst: dst})
	if len(r.window) > r.cfg.Window+1 {
		r.window = append(r.window[:0], r.window[len(r.window)-r.cfg.Window-1:]...)
	}
	r.rep.Sent++
	r.rep.PerSource[c.Source]++
	if c.Codec {
		r.rep.CodecCases++
	}
	return true, err
}

func rtcpAddr(rtp string) string {
	i := strings.LastIndex(rtp, ":")
	port, _ := strconv.Atoi(rtp[i+1:])
	return rtp[:i+1] + strconv.Itoa(port+1)
}

func (r *runner) sendMedia(ctx context.Context, data []byte, dst string) error {
	if r.media == nil {
		t, err := target.Parse("udp://" + dst)
		if err != nil {
			return err
		}
		c, err := transport.Dial(ctx, t, r.cfg.Transport)
		if err != nil {
			return err
		}
		r.media = c
	}
	return r.media.SendTo(ctx, data, dst)
}

func (r *runner) flagAnomaly() {
	r.mu.Lock()
	r.anomaly = true
	r.mu.Unlock()
}

func (r *runner) takeAnomaly() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.anomaly
	r.anomaly = false
	return a
}

// read drains the fuzz socket: server errors flag an anomaly, dialog
// responses go to openDialog, echoed payloads are recorded.
func (r *runner) read(ctx context.Context) {
	for ctx.Err() == nil {
		p, err := r.conn.Recv(ctx)
		if err != nil {
			if errors.Is(err, transport.ErrClosed) || ctx.Err() != nil {
				return
			}
			continue
		}
		d := p.Data
		if bytes.HasPrefix(d, []byte("SIP/2.0 5")) {
			r.flagAnomaly()
		}
		r.mu.Lock()
		call := r.dlgCall
		r.mu.Unlock()
		if call != "" && bytes.Contains(d, []byte(call)) {
			if m, _ := sip.Parse(d); m != nil && !m.IsRequest() && m.CallID() == call {
				select {
				case r.dlgResp <- m:
				default:
				}
			}
		}
		if i := bytes.Index(d, []byte("SVE")); i >= 0 {
			r.checkEcho(d, i)
		}
		if bytes.HasPrefix(d, []byte("SIP/2.0 2")) && bytes.Contains(d, []byte(" INVITE")) && (call == "" || !bytes.Contains(d, []byte(call))) {
			r.hangup(ctx, d)
		}
	}
}

// hangup ends a call that a fuzz case set up by accident (an INVITE the
// target answered 2xx): sipvet removes what it creates on the target.
func (r *runner) hangup(ctx context.Context, d []byte) {
	m, _ := sip.Parse(d)
	if m == nil || m.IsRequest() {
		return
	}
	n, method, err := m.CSeq()
	if err != nil || method != "INVITE" {
		return
	}
	r.mu.Lock()
	r.hangups++
	k := r.hangups
	r.mu.Unlock()
	for i, meth := range []string{"ACK", "BYE"} {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", meth, r.p.ruri(r.p.user()))
		fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=z9hG4bKhu%d.%d;rport\r\n", r.p.via(), r.p.local(), k, i)
		fmt.Fprintf(&b, "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nContent-Length: 0\r\n\r\n",
			m.Get("From"), m.Get("To"), m.CallID(), uint64(n)+uint64(i), meth)
		_ = r.conn.Send(ctx, []byte(b.String()))
	}
}

// echoSafe lists headers that a response copies from the request by rule
// (RFC 3261 §8.2.6.2) or that normally reflect it, so a payload there is
// not an echo.
func echoSafe() map[string]bool {
	return map[string]bool{"via": true, "from": true, "to": true, "call-id": true, "cseq": true, "contact": true,
		"record-route": true, "route": true, "v": true, "f": true, "t": true, "i": true, "m": true}
}

func (r *runner) checkEcho(d []byte, at int) {
	j := at + 3
	for j < len(d) && d[j] >= '0' && d[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(string(d[at+3 : j]))
	if err != nil {
		return
	}
	r.mu.Lock()
	c, ok := r.echoes[n]
	r.mu.Unlock()
	if !ok {
		return
	}
	m, _ := sip.Parse(d)
	if m == nil {
		return
	}
	where := ""
	if strings.Contains(m.Reason, c.Echo) {
		where = "reason phrase"
	}
	for _, h := range m.Headers {
		if !echoSafe()[strings.ToLower(h.Name)] && strings.Contains(h.Value, c.Echo) {
			where = h.Name
		}
	}
	if where == "" && bytes.Contains(m.Body, []byte(c.Echo)) {
		where = "body"
	}
	if where == "" {
		return
	}
	r.mu.Lock()
	r.echoEv = append(r.echoEv, Failure{Class: ClassEcho, Detail: fmt.Sprintf("the target reflected the %s payload unescaped in the %s of its response", c.Group, where),
		Case: refOf(c), Header: where, Time: r.now().UTC(), key: "echo|" + c.Group + "|" + where})
	r.mu.Unlock()
}

func (r *runner) collectEchoes() {
	r.mu.Lock()
	ev := r.echoEv
	r.echoEv = nil
	r.mu.Unlock()
	for _, f := range ev {
		if n, ok := r.keys[f.key]; ok {
			r.rep.Failures[n].Occurrences++
			continue
		}
		f.Occurrences = 1
		r.keys[f.key] = len(r.rep.Failures)
		r.rep.Failures = append(r.rep.Failures, f)
		if r.cfg.OnFailure != nil {
			r.cfg.OnFailure(f)
		}
	}
}

// checkpoint probes liveness after case i and handles a failure. It
// returns a reason to stop, or "".
func (r *runner) checkpoint(ctx context.Context, i int) string {
	r.collectEchoes()
	ev := r.mon.check(ctx, i, r.cfg.Process == nil)
	if ctx.Err() != nil {
		return "interrupted"
	}
	if ev != nil {
		r.fail(ev)
		if len(r.rep.Failures) >= r.cfg.MaxFailures {
			return fmt.Sprintf("%d distinct failures (--max-failures)", len(r.rep.Failures))
		}
		if r.cfg.Process != nil {
			_, exited := r.cfg.Process.Exited()
			if exited || ev.class == ClassHang {
				if !r.cfg.Restart {
					return "the target process " + ev.class + " (use --restart to relaunch it and continue)"
				}
				if err := r.cfg.Process.Start(); err != nil {
					return "restart failed: " + err.Error()
				}
				r.rep.Restarts++
				if err := r.mon.ready(ctx); err != nil {
					return "the restarted target does not answer"
				}
				r.dlgKey, r.toTag, r.mediaDst = "", "", ""
			}
		} else if ev.dead {
			return "the target stopped answering (" + ev.detail + ")"
		}
	}
	r.saveState()
	return ""
}

// fail records a failure tied to the last case sent and saves its reproducer.
func (r *runner) fail(ev *event) {
	if len(r.window) == 0 {
		return
	}
	last := r.window[len(r.window)-1]
	fam := last.c.Group
	if k := strings.LastIndex(fam, "/"); k > 0 && last.c.Source == "protos" {
		fam = fam[:k]
	}
	key := ev.class + "|" + normalizeDetail(ev.detail) + "|" + fam
	if ev.class == ClassExit || ev.class == ClassSignal || ev.class == ClassSanitizer {
		// a watched process tells precisely how it failed: one failure per way
		key = ev.class + "|" + normalizeDetail(ev.detail)
	}
	if n, ok := r.keys[key]; ok {
		r.rep.Failures[n].Occurrences++
		r.window = r.window[:0]
		return
	}
	f := Failure{Class: ev.class, Detail: ev.detail, Case: refOf(last.c), Window: len(r.window) - 1, Occurrences: 1, Time: r.now().UTC(), key: key}
	if r.cfg.OutDir != "" {
		dir, err := r.saveReproducer(len(r.rep.Failures)+1, f)
		if err != nil {
			r.cfg.Log.Warn("reproducer not saved", "err", err)
		}
		f.Reproducer = dir
	}
	r.keys[key] = len(r.rep.Failures)
	r.rep.Failures = append(r.rep.Failures, f)
	r.window = r.window[:0]
	if r.cfg.OnFailure != nil {
		r.cfg.OnFailure(f)
	}
}

// normalizeDetail drops numbers (latencies, pids) so that repeats of one
// failure share a key.
func normalizeDetail(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		if !strings.ContainsAny(w, "0123456789") {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// openDialog sends the INVITE of a dialog block and waits for its answer.
func (r *runner) openDialog(ctx context.Context, key string, d Dialog) {
	r.dlgKey, r.toTag, r.mediaDst, r.dlgOK = key, "", "", false
	r.mu.Lock()
	r.dlgCall = d.CallID
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.dlgCall = ""
		r.mu.Unlock()
	}()
	r.rep.Dialogs++
	wait := r.cfg.Monitor.ProbeTimeout
	if wait <= 0 {
		wait = 2 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, 2*wait)
	defer cancel()
	_ = r.conn.Send(dctx, d.Invite)
	resend := time.NewTicker(wait / 4)
	defer resend.Stop()
	provisional := false
	for {
		select {
		case <-dctx.Done():
			r.rep.DialogsFailed++
			return
		case <-resend.C:
			if !provisional && r.cfg.Target.Transport == "udp" {
				_ = r.conn.Send(dctx, d.Invite)
			}
		case m := <-r.dlgResp:
			if m.StatusCode < 200 {
				provisional = true
				continue
			}
			inv, _ := sip.Parse(d.Invite)
			if m.StatusCode >= 300 {
				if inv != nil {
					if ack, err := transport.ACKFor(inv, m); err == nil {
						_ = r.conn.Send(dctx, ack.Bytes())
					}
				}
				r.rep.DialogsFailed++
				return
			}
			if to, err := m.To(); err == nil {
				r.toTag = to.Tag()
			}
			r.mediaDst = mediaAddr(m, r.cfg.Target.Host)
			r.dlgOK = true
			_ = r.conn.Send(dctx, r.inDialog(d, "ACK", 1))
			return
		}
	}
}

// closeDialog ends the current dialog with a BYE (not waited for).
func (r *runner) closeDialog(ctx context.Context) {
	if r.dlgOK {
		var src string
		var block int
		if i := strings.LastIndex(r.dlgKey, "/"); i > 0 {
			src = r.dlgKey[:i]
			block, _ = strconv.Atoi(r.dlgKey[i+1:])
		}
		_ = r.conn.Send(ctx, r.inDialog(DialogFor(r.p, src, block), "BYE", 1000))
	}
	r.dlgKey, r.toTag, r.mediaDst, r.dlgOK = "", "", "", false
}

func (r *runner) inDialog(d Dialog, method string, cseq int) []byte {
	q := newDialogReq(r.p, d, method, cseq, fmt.Sprintf("%s%d", strings.ToLower(method), r.rep.Sent))
	q.toTag = r.toTag
	return q.render(r.p)
}

// mediaAddr returns "ip:port" of the first audio stream of an SDP answer.
func mediaAddr(m *sip.Message, fallback string) string {
	host, port := "", ""
	for _, l := range strings.Split(string(m.Body), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "c=IN IP") && len(l) > 9 && (host == "" || port == "") {
			host = strings.TrimSpace(l[9:])
		}
		if strings.HasPrefix(l, "m=audio ") && port == "" {
			f := strings.Fields(l)
			if len(f) > 1 {
				port = f[1]
			}
		}
	}
	if port == "" || port == "0" {
		return ""
	}
	if host == "" || host == "0.0.0.0" {
		host = fallback
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}
