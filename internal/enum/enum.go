// Package enum enumerates SIP extensions and user IDs (survey item 19): it
// calibrates against random IDs that cannot exist, then sends one request
// per candidate, pipelined under a rate limit, and reports every candidate
// whose answer differs from the calibration answers (status code, reason
// phrase or the set of headers present). Suspected IDs are confirmed by a
// second, slower probe before they are reported, so that a transient answer
// (an overload 503, a dropped packet) never becomes a found ID.
//
// The package opens no socket: callers hand it a Conn (the scan engine's
// dialer or the CLI's transport connection wrapped to this interface), so
// scope guard, rate limit and evidence recording stay where they are.
package enum

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sipvet/sipvet/internal/sip"
	"github.com/sipvet/sipvet/internal/target"
)

// Sentinel errors callers may match with errors.Is.
var (
	// ErrNoCalibration is returned when no random ID got any answer: the
	// target is silent (down, filtering, or dropping this scanner), so
	// nothing can be concluded.
	ErrNoCalibration = errors.New("enum: no answer to any calibration request")
	// ErrBadMethod is returned for a method other than REGISTER, INVITE,
	// OPTIONS or SUBSCRIBE.
	ErrBadMethod = errors.New("enum: method must be REGISTER, INVITE, OPTIONS or SUBSCRIBE")
	// ErrBadRange is wrapped by ParseRange for malformed ranges.
	ErrBadRange = errors.New("enum: bad range")
	// ErrTooMany is wrapped when a candidate list exceeds MaxCandidates.
	ErrTooMany = errors.New("enum: too many candidates")
)

// MaxCandidates bounds one enumeration run.
const MaxCandidates = 1_000_000

// Conn is the datagram or stream connection the enumerator talks over.
// transport.Conn satisfies it through a one-line adapter (Recv returning
// the packet's bytes).
type Conn interface {
	// Send sends one message to the target.
	Send(ctx context.Context, data []byte) error
	// Recv returns the next message; it honours ctx.
	Recv(ctx context.Context) ([]byte, error)
	// LocalAddr is the local "ip:port" (for Via and Contact).
	LocalAddr() string
	// Transport is udp, tcp, tls, ws or wss.
	Transport() string
}

// Methods returns the request methods Run can enumerate with.
func Methods() []string { return []string{"REGISTER", "INVITE", "OPTIONS", "SUBSCRIBE"} }

// Config configures Run. Zero values take the documented defaults.
type Config struct {
	// Target names the server (host, port, transport) for URIs and Via.
	Target target.Target
	// Domain is the host part of the probed URIs (default: Target's host:port).
	Domain string
	// Method is REGISTER (default), INVITE, OPTIONS or SUBSCRIBE.
	Method string
	// Candidates are the IDs to test, in order.
	Candidates []string
	// Rate bounds requests per second (default 4000; negative = unlimited).
	Rate float64
	// Window bounds requests awaiting an answer (default 256).
	Window int
	// Wait is how long an unanswered request waits before it is sent again
	// (default 500 ms), and Retries how often (default 2, UDP only).
	Wait    time.Duration
	Retries int
	// Calibration is the number of random IDs probed first (default 6).
	Calibration int
	// UserAgent is sent in every request ("" sends none).
	UserAgent string
	// Rand is the source of identifiers and random IDs (required).
	Rand io.Reader
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Progress, when set, is called after each answered candidate.
	Progress func(done, total int)
}

// Signature is what distinguishes one answer from another.
type Signature struct {
	// Status is the final status code, a provisional code of 180 or more
	// for an INVITE that rang, or 0 for no answer.
	Status int `json:"status"`
	// Reason is the reason phrase as sent.
	Reason string `json:"reason"`
	// Headers lists the names (canonical, lower case) of the headers
	// present, minus those every response carries.
	Headers []string `json:"headers"`
}

// Key is a comparable form of the signature.
func (s Signature) Key() string {
	return strconv.Itoa(s.Status) + "|" + asciiLower(strings.TrimSpace(s.Reason)) + "|" + strings.Join(s.Headers, ",")
}

// asciiLower lower-cases ASCII letters only and keeps every other byte as it
// is: hostile reason phrases (invalid UTF-8) neither grow nor collapse.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// String renders the signature for people.
func (s Signature) String() string {
	if s.Status == 0 {
		return "no answer"
	}
	return fmt.Sprintf("%d %s [%s]", s.Status, s.Reason, strings.Join(s.Headers, " "))
}

// Hit is one ID whose answer differs from the calibration answers.
type Hit struct {
	ID        string    `json:"id"`
	Signature Signature `json:"signature"`
	// Diff says in what it differs from the nearest calibration answer.
	Diff string `json:"diff"`
}

// Result is what Run found.
type Result struct {
	Method string
	// Found lists the confirmed IDs, in candidate order.
	Found []Hit
	// Baseline holds the distinct answers to random IDs.
	Baseline []Signature
	// Rejected lists IDs that differed once but not when probed again.
	Rejected []string
	// Unanswered lists candidates that never got an answer.
	Unanswered []string
	// Candidates is how many IDs were tested; Sent how many requests went
	// out (retransmissions and confirmations included).
	Candidates, Sent int
	// Elapsed is the time of the main pass; Rate its candidates per second.
	Elapsed time.Duration
	Rate    float64
	// Notes are remarks on the run (instability, silence, rate limiting).
	Notes []string
}

// volatile headers are present in every response or vary per request;
// they do not distinguish IDs.
func volatile() map[string]bool {
	return map[string]bool{"via": true, "from": true, "to": true, "call-id": true, "cseq": true,
		"content-length": true, "date": true, "timestamp": true, "server": true, "user-agent": true}
}

// SignatureOf extracts the signature of a response.
func SignatureOf(resp *sip.Message) Signature {
	vol := volatile()
	seen := map[string]bool{}
	var hs []string
	for _, h := range resp.Headers {
		n := strings.ToLower(sip.CanonicalHeaderName(strings.TrimSpace(h.Name)))
		if n == "" || vol[n] || seen[n] {
			continue
		}
		seen[n] = true
		hs = append(hs, n)
	}
	sort.Strings(hs)
	if hs == nil {
		hs = []string{}
	}
	return Signature{Status: resp.StatusCode, Reason: strings.TrimSpace(resp.Reason), Headers: hs}
}

// Diff describes how s differs from base.
func Diff(base, s Signature) string {
	var parts []string
	if base.Status != s.Status {
		parts = append(parts, fmt.Sprintf("status %d instead of %d", s.Status, base.Status))
	}
	if !strings.EqualFold(strings.TrimSpace(base.Reason), strings.TrimSpace(s.Reason)) {
		parts = append(parts, fmt.Sprintf("reason %q instead of %q", s.Reason, base.Reason))
	}
	var added, removed []string
	for _, h := range s.Headers {
		if !slices.Contains(base.Headers, h) {
			added = append(added, h)
		}
	}
	for _, h := range base.Headers {
		if !slices.Contains(s.Headers, h) {
			removed = append(removed, h)
		}
	}
	if len(added) > 0 {
		parts = append(parts, "extra headers "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "missing headers "+strings.Join(removed, ", "))
	}
	if len(parts) == 0 {
		return "same"
	}
	return strings.Join(parts, "; ")
}

// Classify splits answers into IDs that differ from every baseline
// signature (with the difference from the first baseline) and the rest.
// Candidates without an answer (Status 0) are never hits. It is pure.
func Classify(baseline []Signature, ids []string, sigs []Signature) []Hit {
	base := map[string]bool{}
	for _, b := range baseline {
		base[b.Key()] = true
	}
	var hits []Hit
	for i, s := range sigs {
		if s.Status == 0 || base[s.Key()] || len(baseline) == 0 {
			continue
		}
		hits = append(hits, Hit{ID: ids[i], Signature: s, Diff: Diff(nearest(baseline, s), s)})
	}
	return hits
}

// nearest picks the baseline signature with the same status, else the first.
func nearest(baseline []Signature, s Signature) Signature {
	for _, b := range baseline {
		if b.Status == s.Status {
			return b
		}
	}
	return baseline[0]
}

func (c *Config) defaults() error {
	c.Method = strings.ToUpper(strings.TrimSpace(c.Method))
	if c.Method == "" {
		c.Method = "REGISTER"
	}
	if !slices.Contains(Methods(), c.Method) {
		return fmt.Errorf("%w (got %q)", ErrBadMethod, c.Method)
	}
	if len(c.Candidates) > MaxCandidates {
		return fmt.Errorf("%w: %d (limit %d)", ErrTooMany, len(c.Candidates), MaxCandidates)
	}
	if c.Domain == "" {
		c.Domain = c.Target.HostPort()
	}
	if c.Rate == 0 {
		c.Rate = 4000
	}
	if c.Window <= 0 {
		c.Window = 256
	}
	if c.Wait <= 0 {
		c.Wait = 500 * time.Millisecond
	}
	if c.Retries < 0 {
		c.Retries = 0
	} else if c.Retries == 0 {
		c.Retries = 2
	}
	if c.Calibration <= 0 {
		c.Calibration = 6
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		return errors.New("enum: Config.Rand is required")
	}
	return nil
}

// Run calibrates, enumerates every candidate and confirms the suspects.
// It returns ErrNoCalibration when no random ID was answered. On
// cancellation it returns what it has with ctx's error.
func Run(ctx context.Context, conn Conn, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	p := newProber(conn, &cfg)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.readLoop(rctx) }()
	defer func() { cancel(); wg.Wait() }()

	res := &Result{Method: cfg.Method, Candidates: len(cfg.Candidates)}
	// 1. Calibration: random IDs that cannot exist.
	randIDs := p.randomIDs(cfg.Calibration)
	base, err := p.calibrate(ctx, randIDs, cfg.Rate)
	res.Baseline = base
	if err != nil {
		res.Sent = p.sent()
		return res, err
	}
	if len(base) > 1 {
		res.Notes = append(res.Notes, fmt.Sprintf("random IDs got %d different answers; an ID counts as found only if its answer matches none of them", len(base)))
	}

	// 2. Main pass.
	start := cfg.Now()
	sigs := p.probeAll(ctx, cfg.Candidates, cfg.Rate, cfg.Progress)
	res.Elapsed = cfg.Now().Sub(start)
	if s := res.Elapsed.Seconds(); s > 0 {
		res.Rate = float64(len(cfg.Candidates)) / s
	}
	if ctx.Err() != nil {
		res.Sent = p.sent()
		return res, ctx.Err()
	}
	var silent []int
	for i, s := range sigs {
		if s.Status == 0 {
			silent = append(silent, i)
		}
	}
	// Unanswered candidates get one slower second chance: a target that
	// rate-limits (pike) drops bursts, and silence is never a verdict.
	if len(silent) > 0 {
		slow := cfg.Rate / 8
		if slow <= 0 || slow > 200 {
			slow = 200
		}
		ids := make([]string, len(silent))
		for j, i := range silent {
			ids[j] = cfg.Candidates[i]
		}
		again := p.probeAll(ctx, ids, slow, nil)
		for j, i := range silent {
			sigs[i] = again[j]
		}
		n := 0
		for _, i := range silent {
			if sigs[i].Status == 0 {
				res.Unanswered = append(res.Unanswered, cfg.Candidates[i])
				n++
			}
		}
		if len(silent) > len(cfg.Candidates)/20 {
			res.Notes = append(res.Notes, fmt.Sprintf("%d of %d candidates were not answered at %.0f/s (rate limiting or overload?); %d stayed unanswered at %.0f/s", len(silent), len(cfg.Candidates), cfg.Rate, n, slow))
		}
	}

	// 3. Confirmation: suspects are probed again, slowly, next to fresh
	// random IDs; only an answer that differs both times is a find.
	suspects := Classify(base, cfg.Candidates, sigs)
	if len(suspects) > 0 {
		ids := make([]string, 0, len(suspects))
		for _, h := range suspects {
			ids = append(ids, h.ID)
		}
		slow := cfg.Rate / 4
		if slow <= 0 || slow > 500 {
			slow = 500
		}
		base2, err := p.calibrate(ctx, p.randomIDs(max(2, cfg.Calibration/2)), slow)
		if err == nil {
			for _, b := range base2 {
				if !slices.ContainsFunc(base, func(x Signature) bool { return x.Key() == b.Key() }) {
					base = append(base, b)
					res.Notes = append(res.Notes, "random IDs were answered differently after the main pass: "+b.String())
				}
			}
		}
		res.Baseline = base
		again := p.probeAll(ctx, ids, slow, nil)
		for j, h := range suspects {
			s := again[j]
			if s.Key() == h.Signature.Key() && !slices.ContainsFunc(base, func(x Signature) bool { return x.Key() == s.Key() }) {
				res.Found = append(res.Found, h)
			} else {
				res.Rejected = append(res.Rejected, h.ID)
			}
		}
		if len(res.Found) > len(cfg.Candidates)/2 && len(cfg.Candidates) >= 10 {
			res.Notes = append(res.Notes, "more than half of the candidates answered unlike random IDs: the server may answer by number format rather than by account; review data.found")
		}
	}
	res.Sent = p.sent()
	return res, nil
}

// ParseRange expands "1000-2999", "100-199,300", "0100-0199" (zero padding
// kept) into IDs, bounded by MaxCandidates.
func ParseRange(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.ParseUint(lo, 10, 64)
		b, err2 := strconv.ParseUint(hi, 10, 64)
		if err1 != nil || err2 != nil || a > b {
			return nil, fmt.Errorf("%w %q: want FROM-TO with FROM <= TO, both decimal", ErrBadRange, part)
		}
		if b-a >= MaxCandidates || len(out)+int(b-a+1) > MaxCandidates {
			return nil, fmt.Errorf("%w: %q has more than %d IDs", ErrTooMany, s, MaxCandidates)
		}
		width := 0
		if len(lo) > 1 && lo[0] == '0' {
			width = len(lo)
		}
		for n := a; n <= b; n++ {
			v := strconv.FormatUint(n, 10)
			if len(v) < width {
				v = strings.Repeat("0", width-len(v)) + v
			}
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w %q: empty", ErrBadRange, s)
	}
	return out, nil
}
