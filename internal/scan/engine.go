// Package scan runs checks against targets: concurrency, the global rate
// limit, the scope guard, liveness probes around disruptive checks, progress
// and streaming of results as they are found.
package scan

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// ErrOutOfScope is returned when a check tries to reach an address the user
// did not name.
var ErrOutOfScope = errors.New("scan: target out of scope")

// Config configures a scan. Zero values take the documented defaults.
type Config struct {
	// Targets are the endpoints to audit; they also define the scope.
	Targets []target.Target
	// Checks are run against every target, in order.
	Checks []check.Check
	// Concurrency is how many targets are audited at once (default 4).
	Concurrency int
	// Rate limits packets per second sent to each target (default 50; <0 = unlimited).
	Rate float64
	// User and Password are the test account.
	User, Password string
	// Allow lists the opt-ins (check.AllowNames).
	Allow []string
	// SourceA is the local address for ordinary traffic ("" = chosen by the OS).
	SourceA string
	// SourceB is the second local address ("" = 127.0.0.2 for IPv4 loopback
	// targets, otherwise a second socket on SourceA).
	SourceB string
	// Timers are the SIP transaction timers (default T1 500 ms, 5 s per transaction).
	Timers transport.Timers
	// CheckTimeout bounds one check (default 60 s).
	CheckTimeout time.Duration
	// Liveness enables OPTIONS probes before the first check and after
	// disruptive ones (SPEC §4).
	Liveness bool
	// SlowFactor: a probe slower than SlowFactor × baseline counts as degraded (default 10).
	SlowFactor float64
	// Done lists results already recorded (resume): their check × target is not run again.
	Done map[string]bool
	// UserAgent is sent in requests (default "sipvet").
	UserAgent string
	// Reveal disables masking of secrets.
	Reveal bool
	// Infra configures the infrastructure checks (--ports, --mac, ...).
	Infra check.InfraOptions
	// Wordlist, GuessMask and GuessLimit configure online password guessing;
	// OtherUser is a second account for cross-account checks (check.Env).
	Wordlist   []string
	GuessMask  string
	GuessLimit int
	OtherUser  string
	// MediaRelay is the media relay named with --media-relay; its address
	// is in scope.
	MediaRelay check.MediaRelay
	// Transport is the base transport configuration (TLS, limits, observers
	// such as the evidence pcapng writer).
	Transport transport.Options
	// Rand, Now and Log are injected (defaults: crypto/rand, time.Now, discard).
	Rand io.Reader
	Now  func() time.Time
	Log  *slog.Logger
	// OnResult receives every result as soon as it exists (called serially).
	OnResult func(finding.Result)
	// OnProgress receives progress after every check (called serially).
	OnProgress func(Progress)
}

// Progress reports how far a scan is.
type Progress struct {
	Done, Total int
	Target      string
	Check       string
}

func (c *Config) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.Rate == 0 {
		c.Rate = 50
	}
	if c.Timers.T1 == 0 {
		c.Timers = transport.DefaultTimers()
		c.Timers.Timeout = 5 * time.Second
	}
	if c.CheckTimeout <= 0 {
		c.CheckTimeout = 60 * time.Second
	}
	if c.SlowFactor <= 0 {
		c.SlowFactor = 10
	}
	if c.UserAgent == "" {
		c.UserAgent = "sipvet"
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Run audits every target with every check and returns the results it
// produced (results of Done pairs are not included). It stops early when ctx
// is cancelled, keeping what it has.
func Run(ctx context.Context, cfg Config) ([]finding.Result, error) {
	cfg.defaults()
	allowed := map[string]bool{}
	for _, a := range cfg.Allow {
		allowed[a] = true
	}
	scope := map[string]bool{}
	for _, t := range cfg.Targets {
		scope[t.Host] = true
	}
	if !cfg.MediaRelay.IsZero() {
		scope[cfg.MediaRelay.Addr.String()] = true
	}
	var (
		mu      sync.Mutex
		results []finding.Result
		done    int
	)
	total := 0
	for _, t := range cfg.Targets {
		for _, c := range cfg.Checks {
			if !cfg.Done[c.Info().ID+"\x00"+t.String()] {
				total++
			}
		}
	}
	emit := func(r finding.Result, progressed bool) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, r)
		if cfg.OnResult != nil {
			cfg.OnResult(r)
		}
		if progressed {
			done++
			if cfg.OnProgress != nil {
				cfg.OnProgress(Progress{Done: done, Total: total, Target: r.Target, Check: r.Check})
			}
		}
	}
	var locksMu sync.Mutex
	locks := map[string]*sync.RWMutex{}
	hostLock := func(host string) *sync.RWMutex {
		locksMu.Lock()
		defer locksMu.Unlock()
		if locks[host] == nil {
			locks[host] = &sync.RWMutex{}
		}
		return locks[host]
	}
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	for _, t := range cfg.Targets {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(t target.Target) {
			defer wg.Done()
			defer func() { <-sem }()
			runTarget(ctx, &cfg, t, scope, allowed, hostLock, emit)
		}(t)
	}
	wg.Wait()
	return results, ctx.Err()
}

func runTarget(ctx context.Context, cfg *Config, t target.Target, scope, allowed map[string]bool, hostLock func(string) *sync.RWMutex, emit func(finding.Result, bool)) {
	lim := newLimiter(cfg.Rate, 10, cfg.Now)
	sourceB := cfg.SourceB
	if sourceB == "" {
		if ap, ok := t.AddrPort(); ok && ap.Addr().Is4() && ap.Addr().IsLoopback() {
			sourceB = "127.0.0.2"
		} else {
			sourceB = cfg.SourceA
		}
	}
	var baseline time.Duration
	if cfg.Liveness {
		lat, err := probe(ctx, cfg, t, lim, scope)
		if err != nil {
			cfg.Log.Warn("target does not answer the liveness probe", "target", t.String(), "err", err)
		} else {
			baseline = lat
		}
	}
	// Checks run in lanes (see laneOf): the lanes of one target run at the
	// same time, the checks of one lane one after the other, in registry order.
	lanes := map[int][]check.Check{}
	for _, c := range cfg.Checks {
		lanes[laneOf(c.Info())] = append(lanes[laneOf(c.Info())], c)
	}
	// A disruptive check (one that can slow or stop the target) runs alone:
	// it takes the target's host exclusively (other targets on the same host
	// are the same device), so that its effect is neither hidden by nor
	// blamed on the other lanes.
	exclusive := hostLock(t.Host)
	var wg sync.WaitGroup
	for _, cs := range lanes {
		wg.Add(1)
		go func(cs []check.Check) {
			defer wg.Done()
			for _, c := range cs {
				if ctx.Err() != nil {
					return
				}
				info := c.Info()
				if cfg.Done[info.ID+"\x00"+t.String()] {
					continue
				}
				alone := info.Disruptive || info.Allow == check.AllowDoS
				if alone {
					exclusive.Lock()
				} else {
					exclusive.RLock()
				}
				r := runCheck(ctx, cfg, c, t, lim, scope, allowed, sourceB)
				if ctx.Err() != nil {
					// Interrupted: no verdict. Nothing is emitted, so a
					// resumed run does this check again.
					if alone {
						exclusive.Unlock()
					} else {
						exclusive.RUnlock()
					}
					return
				}
				var lr finding.Result
				bad := false
				// Only a target that answered before can be seen to stop.
				if info.Disruptive && cfg.Liveness && baseline > 0 && r.Verdict != finding.Skipped {
					lr, bad = afterProbe(ctx, cfg, info, t, lim, scope, baseline)
				}
				if alone {
					exclusive.Unlock()
				} else {
					exclusive.RUnlock()
				}
				emit(r, true)
				if bad {
					emit(lr, false)
				}
			}
		}(cs)
	}
	wg.Wait()
}

// laneOf sorts checks into lanes that do not disturb each other: calls to a
// user agent (checks for the UA role only), probes of services beside SIP
// (items 17, 18, 20 and the SNMP walk, on other ports), and everything that
// talks to the registrar/proxy, including registrations, guessing and
// disruptive checks, which stay strictly sequential.
func laneOf(info check.Info) int {
	if len(info.Roles) == 1 && info.Roles[0] == check.RoleUA {
		return 1
	}
	switch {
	case info.Item == 17, info.Item == 18, info.Item == 20, info.ID == "ipa19.snmp-walk":
		return 2
	}
	return 0
}

// runCheck runs one check and turns its outcome into a result. A panic in a
// check becomes an inconclusive result, never a crash.
func runCheck(ctx context.Context, cfg *Config, c check.Check, t target.Target, lim *limiter, scope, allowed map[string]bool, sourceB string) (res finding.Result) {
	info := c.Info()
	start := cfg.Now()
	evlog := transport.NewEvidenceLog()
	res = baseResult(info, t)
	res.Started = &start
	defer func() {
		if p := recover(); p != nil {
			cfg.Log.Error("check panicked", "check", info.ID, "panic", p, "stack", string(debug.Stack()))
			res.Verdict = finding.Inconclusive
			res.Reason = fmt.Sprintf("internal error in the check: %v", p)
			res.Summary = "could not decide: " + res.Reason
		}
		end := cfg.Now()
		res.Finished = &end
		res.Evidence = evlog.Take()
		if res.Evidence == nil {
			res.Evidence = []finding.Evidence{}
		}
	}()
	if info.Allow != "" && !allowed[info.Allow] {
		o := check.SkippedOutcome("needs the opt-in --allow %s (it can disrupt the target)", info.Allow)
		apply(&res, info, o)
		return res
	}
	if info.NeedsCredentials && (cfg.User == "" || cfg.Password == "") {
		apply(&res, info, check.SkippedOutcome("needs a test account: --user and --password"))
		return res
	}
	cctx, cancel := context.WithTimeout(ctx, cfg.CheckTimeout)
	defer cancel()
	env := &check.Env{
		Target:    t,
		Dialer:    &dialer{cfg: cfg, lim: lim, scope: scope, extra: []transport.Observer{evlog.Observe}},
		User:      cfg.User,
		Password:  cfg.Password,
		Allowed:   func(n string) bool { return allowed[n] },
		SourceB:   sourceB,
		Timers:    cfg.Timers,
		Rand:      cfg.Rand,
		Now:       cfg.Now,
		Log:       cfg.Log.With("check", info.ID, "target", t.String()),
		UserAgent: cfg.UserAgent,
		Reveal:    cfg.Reveal,
		Infra:     cfg.Infra,

		Wordlist:   cfg.Wordlist,
		GuessMask:  cfg.GuessMask,
		GuessLimit: cfg.GuessLimit,
		OtherUser:  cfg.OtherUser,
		MediaRelay: cfg.MediaRelay,
	}
	o, err := c.Run(cctx, env)
	if err != nil {
		o = check.Inconclusive("%v", err)
		if ctx.Err() != nil {
			o = check.Inconclusive("interrupted: %v", ctx.Err())
		}
	}
	apply(&res, info, o)
	return res
}

// baseResult fills the fields every result of a check carries.
func baseResult(info check.Info, t target.Target) finding.Result {
	r := finding.Result{
		Item:     info.Item,
		Check:    info.ID,
		Target:   t.String(),
		Severity: finding.Info,
		Evidence: []finding.Evidence{},
		Data:     map[string]any{},
	}
	if it, ok := kb.Get(info.Item); ok {
		if it.CVSS2 != nil {
			p := it.CVSS2.Published
			r.CVSS2 = &finding.CVSS{Vector: it.CVSS2.Vector, Score: it.CVSS2.Score, Published: &p}
		}
		if it.CVSS3.Vector != "" {
			r.CVSS3 = &finding.CVSS{Vector: it.CVSS3.Vector, Score: it.CVSS3.Score}
		}
	}
	return r
}

func apply(r *finding.Result, info check.Info, o check.Outcome) {
	r.Verdict = o.Verdict
	if !r.Verdict.Valid() {
		r.Verdict = finding.Inconclusive
		o.Reason = fmt.Sprintf("check returned an invalid verdict %q", o.Verdict)
	}
	r.Summary = o.Summary
	r.Reason = o.Reason
	if o.Data != nil {
		r.Data = o.Data
	}
	r.Severity = finding.Info
	if r.Verdict == finding.Vulnerable {
		switch {
		case o.Severity != "":
			r.Severity = o.Severity
		case info.Severity != "":
			r.Severity = info.Severity
		case r.CVSS3 != nil:
			r.Severity = finding.SeverityForScore(r.CVSS3.Score)
		default:
			r.Severity = finding.Medium
		}
	}
}

// dialer is the check.Dialer of one check run: scope guard, rate limit and
// evidence recording.
type dialer struct {
	cfg   *Config
	lim   *limiter
	scope map[string]bool
	extra []transport.Observer
}

func (d *dialer) Dial(ctx context.Context, t target.Target, local string) (transport.Conn, error) {
	if !d.scope[t.Host] {
		return nil, fmt.Errorf("%w: %s", ErrOutOfScope, t)
	}
	o := d.cfg.Transport
	o.LocalAddr = d.cfg.SourceA
	if local != "" {
		o.LocalAddr = local
	}
	o.Observers = append(append([]transport.Observer{}, o.Observers...), d.extra...)
	if o.Now == nil {
		o.Now = d.cfg.Now
	}
	c, err := transport.Dial(ctx, t, o)
	if err != nil {
		return nil, fmt.Errorf("scan: dial %s: %w", t, err)
	}
	return &limitedConn{Conn: c, lim: d.lim}, nil
}

// DialRaw opens a plain TCP or UDP connection to another port of a target
// host for the infrastructure checks (check.RawDialer), with the same scope
// guard, rate limit and evidence recording as Dial.
func (d *dialer) DialRaw(ctx context.Context, network, hostport string) (transport.RawConn, error) {
	if err := d.inScope(hostport); err != nil {
		return nil, err
	}
	o := d.cfg.Transport
	o.LocalAddr = d.cfg.SourceA
	o.Observers = append(append([]transport.Observer{}, o.Observers...), d.extra...)
	if o.Now == nil {
		o.Now = d.cfg.Now
	}
	if err := d.lim.Wait(ctx); err != nil {
		return nil, err
	}
	c, err := transport.DialRaw(ctx, network, hostport, o)
	if err != nil {
		return nil, fmt.Errorf("scan: dial %s %s: %w", network, hostport, err)
	}
	return &limitedRaw{RawConn: c, d: d}, nil
}

func (d *dialer) inScope(hostport string) error {
	host := hostport
	if i := strings.LastIndexByte(hostport, ':'); i > 0 {
		host = strings.TrimSuffix(strings.TrimPrefix(hostport[:i], "["), "]")
	}
	if !d.scope[host] {
		return fmt.Errorf("%w: %s", ErrOutOfScope, hostport)
	}
	return nil
}

// limitedRaw applies the rate limit and the scope guard to a raw connection.
type limitedRaw struct {
	transport.RawConn
	d *dialer
}

func (c *limitedRaw) Write(b []byte) (int, error) {
	if err := c.d.lim.Wait(context.Background()); err != nil {
		return 0, err
	}
	return c.RawConn.Write(b)
}

func (c *limitedRaw) WriteToAddr(b []byte, dst string) (int, error) {
	if err := c.d.inScope(dst); err != nil {
		return 0, err
	}
	if err := c.d.lim.Wait(context.Background()); err != nil {
		return 0, err
	}
	return c.RawConn.WriteToAddr(b, dst)
}

// limitedConn applies the per-target rate limit to every send.
type limitedConn struct {
	transport.Conn
	lim *limiter
}

func (c *limitedConn) Send(ctx context.Context, b []byte) error {
	if err := c.lim.Wait(ctx); err != nil {
		return err
	}
	return c.Conn.Send(ctx, b)
}

func (c *limitedConn) SendTo(ctx context.Context, b []byte, dst string) error {
	if err := c.lim.Wait(ctx); err != nil {
		return err
	}
	return c.Conn.SendTo(ctx, b, dst)
}

// probe sends one OPTIONS and returns the time to its final response.
func probe(ctx context.Context, cfg *Config, t target.Target, lim *limiter, scope map[string]bool) (time.Duration, error) {
	d := &dialer{cfg: cfg, lim: lim, scope: scope}
	c, err := d.Dial(ctx, t, "")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	ruri := t.SIPURI("")
	m := sip.NewRequest("OPTIONS", ruri)
	m.Add("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=%s;rport", t.ViaTransport(), c.LocalAddr(), sip.NewBranch(cfg.Rand)))
	m.Add("Max-Forwards", "70")
	m.Add("From", fmt.Sprintf("<sip:sipvet@%s>;tag=%s", hostOnly(c.LocalAddr()), sip.NewTag(cfg.Rand)))
	m.Add("To", "<"+ruri+">")
	m.Add("Call-ID", sip.NewCallID(cfg.Rand, "sipvet"))
	m.Add("CSeq", "1 OPTIONS")
	m.Add("User-Agent", cfg.UserAgent)
	m.Add("Content-Length", "0")
	start := time.Now()
	tm := cfg.Timers
	if tm.Timeout > 4*time.Second {
		tm.Timeout = 4 * time.Second
	}
	if _, err := transport.Transact(ctx, c, m.Bytes(), tm); err != nil {
		return 0, fmt.Errorf("scan: liveness probe: %w", err)
	}
	return time.Since(start), nil
}

// afterProbe checks that the target still answers after a disruptive check;
// it waits up to 30 s for recovery. It returns a result when the target
// stopped answering or slowed down.
func afterProbe(ctx context.Context, cfg *Config, info check.Info, t target.Target, lim *limiter, scope map[string]bool, baseline time.Duration) (finding.Result, bool) {
	deadline := time.Now().Add(30 * time.Second)
	var lat time.Duration
	var err error
	for attempt := 0; ; attempt++ {
		lat, err = probe(ctx, cfg, t, lim, scope)
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	r := baseResult(info, t)
	r.Check = info.ID + ".liveness"
	r.Data = map[string]any{"baseline_ms": baseline.Milliseconds()}
	switch {
	case err != nil:
		r.Verdict, r.Severity = finding.Vulnerable, finding.High
		r.Summary = fmt.Sprintf("the target stopped answering after %s and did not recover within 30 s", info.ID)
		return r, true
	case baseline > 0 && float64(lat) > cfg.SlowFactor*float64(baseline) && lat > 200*time.Millisecond:
		r.Verdict, r.Severity = finding.Vulnerable, finding.Medium
		r.Data["after_ms"] = lat.Milliseconds()
		r.Summary = fmt.Sprintf("the target answered %.0f× slower after %s (%v vs %v)", float64(lat)/float64(baseline), info.ID, lat.Round(time.Millisecond), baseline.Round(time.Millisecond))
		return r, true
	}
	return finding.Result{}, false
}

func hostOnly(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr
	}
	if ap.Addr().Is6() && !ap.Addr().Is4In6() {
		return "[" + ap.Addr().String() + "]"
	}
	return ap.Addr().Unmap().String()
}
