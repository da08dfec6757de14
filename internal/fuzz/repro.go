package fuzz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// ModeUAC marks a reproducer of a UAC campaign (RunUAC).
const ModeUAC = "uac"

// ReproSchema is the schema of a reproducer's repro.json.
const ReproSchema = "sipvet.fuzz-repro/v1"

// ErrBadReproducer is wrapped when a reproducer directory cannot be read.
var ErrBadReproducer = errors.New("fuzz: bad reproducer")

// ReproCase is one message of a reproducer, in send order.
type ReproCase struct {
	CaseRef
	// File holds the exact bytes sent, relative to the reproducer directory.
	File string `json:"file"`
	// Kind is sip, rtp or rtcp.
	Kind Kind `json:"kind"`
	// Dst is where a media packet went ("" = the target).
	Dst string `json:"dst,omitempty"`
	// Answers is, for a response template (mode uac), the method of the
	// device's request it answers.
	Answers string `json:"answers,omitempty"`
	// Data is the file's content (not stored in JSON).
	Data []byte `json:"-"`
}

// Reproducer is a saved failure: the failing case (last), the cases before
// it, and what is needed to run them again.
type Reproducer struct {
	Schema string `json:"schema"`
	// Mode is "" for requests sent to a target and ModeUAC for responses
	// served to a device's own requests.
	Mode string `json:"mode,omitempty"`
	// Listen is where sipvet listened for the device (mode uac).
	Listen   string      `json:"listen,omitempty"`
	Target   string      `json:"target"`
	Seed     uint64      `json:"seed"`
	Sources  []string    `json:"sources"`
	Class    string      `json:"class"`
	Detail   string      `json:"detail"`
	Time     time.Time   `json:"time"`
	Exec     []string    `json:"exec,omitempty"`
	Baseline int64       `json:"baseline_ns"`
	Cases    []ReproCase `json:"cases"`
	Timeline []Probe     `json:"timeline"`
	// Minimized tells that the reproducer was shrunk by Minimize.
	Minimized bool `json:"minimized,omitempty"`
}

func (r *runner) saveReproducer(n int, f Failure) (string, error) {
	dir := filepath.Join(r.cfg.OutDir, fmt.Sprintf("failure-%03d-%s", n, f.Class))
	rp := &Reproducer{Schema: ReproSchema, Target: r.cfg.Target.String(), Seed: r.cfg.Seed, Sources: r.cfg.Sources,
		Class: f.Class, Detail: f.Detail, Time: f.Time, Baseline: int64(r.mon.baseline)}
	if r.cfg.Process != nil {
		rp.Exec = r.cfg.Process.Command()
	}
	for _, s := range r.window {
		rp.Cases = append(rp.Cases, ReproCase{CaseRef: refOf(s.c), Kind: s.c.Kind, Dst: s.dst, Data: s.data})
	}
	tl := r.mon.timeline
	if len(tl) > 200 {
		tl = tl[len(tl)-200:]
	}
	rp.Timeline = tl
	if err := rp.Save(dir); err != nil {
		return "", err
	}
	if r.cfg.Process != nil {
		_ = os.WriteFile(filepath.Join(dir, "stderr.txt"), []byte(r.cfg.Process.Tail()), 0o644)
	}
	return dir, nil
}

// Save writes the reproducer into dir (created; existing case files are replaced).
func (rp *Reproducer) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("fuzz: save reproducer: %w", err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9][0-9]-*"))
	for _, o := range old {
		os.Remove(o)
	}
	for i := range rp.Cases {
		c := &rp.Cases[i]
		ext := string(c.Kind)
		c.File = fmt.Sprintf("%04d-%s.%s", i, strings.ReplaceAll(c.ID, ":", "-"), ext)
		if err := os.WriteFile(filepath.Join(dir, c.File), c.Data, 0o644); err != nil {
			return fmt.Errorf("fuzz: save reproducer: %w", err)
		}
	}
	b, err := json.MarshalIndent(rp, "", "  ")
	if err != nil {
		return fmt.Errorf("fuzz: save reproducer: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "repro.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("fuzz: save reproducer: %w", err)
	}
	return nil
}

// LoadReproducer reads a reproducer directory.
func LoadReproducer(dir string) (*Reproducer, error) {
	b, err := os.ReadFile(filepath.Join(dir, "repro.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadReproducer, err)
	}
	var rp Reproducer
	if err := json.Unmarshal(b, &rp); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadReproducer, dir, err)
	}
	if rp.Schema != ReproSchema {
		return nil, fmt.Errorf("%w: %s: schema %q (want %q)", ErrBadReproducer, dir, rp.Schema, ReproSchema)
	}
	if len(rp.Cases) == 0 {
		return nil, fmt.Errorf("%w: %s holds no case", ErrBadReproducer, dir)
	}
	for i := range rp.Cases {
		c := &rp.Cases[i]
		if strings.Contains(c.File, "/") || strings.Contains(c.File, "..") {
			return nil, fmt.Errorf("%w: bad file name %q", ErrBadReproducer, c.File)
		}
		if c.Data, err = os.ReadFile(filepath.Join(dir, c.File)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadReproducer, err)
		}
	}
	return &rp, nil
}

// state is what --resume needs.
type state struct {
	Target   string    `json:"target"`
	Seed     uint64    `json:"seed"`
	Sources  []string  `json:"sources"`
	Next     int       `json:"next"`
	Sent     int       `json:"sent"`
	Failures []Failure `json:"failures"`
}

func (r *runner) saveState() {
	if r.cfg.OutDir == "" {
		return
	}
	st := state{Target: r.cfg.Target.String(), Seed: r.cfg.Seed, Sources: r.cfg.Sources, Next: r.rep.Next, Sent: r.rep.Sent, Failures: r.rep.Failures}
	b, err := json.Marshal(st)
	if err != nil {
		return
	}
	_ = os.MkdirAll(r.cfg.OutDir, 0o755)
	tmp := filepath.Join(r.cfg.OutDir, ".state.json.tmp")
	if os.WriteFile(tmp, b, 0o644) == nil {
		_ = os.Rename(tmp, filepath.Join(r.cfg.OutDir, "state.json"))
	}
}

// ResumeState reads the state an interrupted campaign left in outDir: the
// next campaign index and the failures found so far. It checks that the
// campaign had the same target, seed and sources.
func ResumeState(outDir string, t target.Target, seed uint64, sources []string) (int, []Failure, error) {
	b, err := os.ReadFile(filepath.Join(outDir, "state.json"))
	if err != nil {
		return 0, nil, fmt.Errorf("fuzz: resume: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, nil, fmt.Errorf("fuzz: resume: %w", err)
	}
	if st.Target != t.String() || st.Seed != seed || strings.Join(st.Sources, ",") != strings.Join(sources, ",") {
		return 0, nil, fmt.Errorf("fuzz: resume: %s holds a campaign against %s with seed %d and sources %s", outDir, st.Target, st.Seed, strings.Join(st.Sources, ","))
	}
	return st.Next, st.Failures, nil
}

// ReplayConfig configures Replay and Minimize.
type ReplayConfig struct {
	// Target overrides the reproducer's target (zero = original).
	Target target.Target
	// Process, when set, is (re)started before each trial and watched.
	Process *Process
	// Monitor configures the liveness probes.
	Monitor MonitorConfig
	// Gap is the pause between messages (default 1 ms).
	Gap time.Duration
	// Settle is how long to wait after the last message before probing (default 300 ms).
	Settle time.Duration
	// MaxTrials bounds Minimize (default 150).
	MaxTrials int
	// Log receives progress lines (may be nil).
	Log func(format string, a ...any)
	// Listen overrides where sipvet listens for the device (mode uac).
	Listen string
	// Driver makes the device send its requests again (mode uac).
	Driver UACDriver
	// Wait bounds the wait for each device request (mode uac, default 3 s).
	Wait time.Duration
}

func (rc *ReplayConfig) uacWait() time.Duration {
	if rc.Wait <= 0 {
		return 3 * time.Second
	}
	return rc.Wait
}

// runTrial runs one trial in the reproducer's mode.
func runTrial(ctx context.Context, rc *ReplayConfig, rp *Reproducer, orig, t target.Target, cases []ReproCase) (*event, error) {
	if rp.Mode == ModeUAC {
		return trialUAC(ctx, rc, rp, t, cases)
	}
	return trial(ctx, rc, orig, t, cases)
}

// ReplayResult is what one replay saw.
type ReplayResult struct {
	Reproduced    bool   `json:"reproduced"`
	Class         string `json:"class"`
	Detail        string `json:"detail"`
	Cases         int    `json:"cases"`
	Trials        int    `json:"trials"`
	OriginalCases int    `json:"original_cases"`
	OriginalBytes int    `json:"original_bytes"`
	Bytes         int    `json:"bytes"`
}

func (rc *ReplayConfig) defaults() {
	if rc.Gap <= 0 {
		rc.Gap = time.Millisecond
	}
	if rc.Settle <= 0 {
		rc.Settle = 300 * time.Millisecond
	}
	if rc.MaxTrials <= 0 {
		rc.MaxTrials = 150
	}
	rc.Monitor.defaults()
	if rc.Log == nil {
		rc.Log = func(string, ...any) {}
	}
}

// trial sends cases to a fresh (or recovered) target and reports the
// failure it caused, if any.
func trial(ctx context.Context, rc *ReplayConfig, orig target.Target, t target.Target, cases []ReproCase) (*event, error) {
	if rc.Process != nil {
		if err := rc.Process.Start(); err != nil {
			return nil, err
		}
	}
	mon, err := newMonitor(ctx, t, rc.Monitor, rc.Process)
	if err != nil {
		return nil, err
	}
	defer mon.close()
	if err := mon.ready(ctx); err != nil {
		return nil, err
	}
	conn, err := transport.Dial(ctx, t, rc.Monitor.Transport)
	if err != nil {
		return nil, fmt.Errorf("fuzz: %w", err)
	}
	defer conn.Close()
	var media transport.Conn
	defer func() {
		if media != nil {
			media.Close()
		}
	}()
	for _, c := range cases {
		data := c.Data
		if t != orig {
			data = retargetBytes(data, orig, t)
		}
		if c.Dst != "" {
			if media == nil {
				mt, err := target.Parse("udp://" + c.Dst)
				if err != nil {
					return nil, fmt.Errorf("%w: media destination %q", ErrBadReproducer, c.Dst)
				}
				if media, err = transport.Dial(ctx, mt, rc.Monitor.Transport); err != nil {
					return nil, err
				}
			}
			_ = media.SendTo(ctx, data, c.Dst)
		} else {
			_ = conn.Send(ctx, data)
		}
		sleepCtx(ctx, rc.Gap)
	}
	if rc.Process != nil {
		rc.Process.WaitExit(ctx, rc.Settle)
	} else {
		sleepCtx(ctx, rc.Settle)
	}
	return mon.check(ctx, len(cases)-1, rc.Process == nil), ctx.Err()
}

// retargetBytes replaces the original target's host:port by the new one.
func retargetBytes(b []byte, from, to target.Target) []byte {
	pf := Params{Target: from}
	pt := Params{Target: to}
	return []byte(strings.ReplaceAll(string(b), pf.hostPort(), pt.hostPort()))
}

// Replay runs a reproducer once against its target (or rc.Target).
func Replay(ctx context.Context, rp *Reproducer, rc ReplayConfig) (ReplayResult, error) {
	rc.defaults()
	orig, err := target.Parse(rp.Target)
	if err != nil {
		return ReplayResult{}, fmt.Errorf("%w: %v", ErrBadReproducer, err)
	}
	t := rc.Target
	if t.Host == "" {
		t = orig
	}
	defer func() {
		if rc.Process != nil {
			rc.Process.Stop()
		}
	}()
	ev, err := runTrial(ctx, &rc, rp, orig, t, rp.Cases)
	res := ReplayResult{Cases: len(rp.Cases), Trials: 1, OriginalCases: len(rp.Cases), OriginalBytes: size(rp.Cases), Bytes: size(rp.Cases)}
	if ev != nil {
		res.Reproduced, res.Class, res.Detail = true, ev.class, ev.detail
	}
	return res, err
}

func size(cs []ReproCase) int {
	n := 0
	for _, c := range cs {
		n += len(c.Data)
	}
	return n
}

// Minimize shrinks a reproducer with delta debugging: first the list of
// cases (ddmin over the window and the failing case), then the lines and
// the body of the remaining SIP messages, keeping every step that still
// produces a failure of the same class. It returns the minimized
// reproducer (not saved) and what it did.
func Minimize(ctx context.Context, rp *Reproducer, rc ReplayConfig) (*Reproducer, ReplayResult, error) {
	rc.defaults()
	orig, err := target.Parse(rp.Target)
	if err != nil {
		return nil, ReplayResult{}, fmt.Errorf("%w: %v", ErrBadReproducer, err)
	}
	t := rc.Target
	if t.Host == "" {
		t = orig
	}
	defer func() {
		if rc.Process != nil {
			rc.Process.Stop()
		}
	}()
	res := ReplayResult{OriginalCases: len(rp.Cases), OriginalBytes: size(rp.Cases)}
	var lastErr error
	test := func(cs []ReproCase) bool {
		if res.Trials >= rc.MaxTrials || ctx.Err() != nil || len(cs) == 0 {
			return false
		}
		res.Trials++
		ev, err := runTrial(ctx, &rc, rp, orig, t, cs)
		if err != nil {
			lastErr = err
			return false
		}
		ok := ev != nil && ev.class == rp.Class
		if ok {
			res.Detail = ev.detail
		}
		rc.Log("trial %d: %d case(s), %d bytes: %v", res.Trials, len(cs), size(cs), ok)
		return ok
	}
	if !test(rp.Cases) {
		if lastErr != nil {
			return nil, res, lastErr
		}
		return nil, res, fmt.Errorf("fuzz: the reproducer does not fail with %s on %s; nothing to minimize", rp.Class, t)
	}
	cases := ddmin(rp.Cases, test)
	// shrink the messages themselves, last (failing) first
	for k := len(cases) - 1; k >= 0; k-- {
		if cases[k].Kind != KindSIP && cases[k].Kind != KindResponse {
			continue
		}
		units := sipUnits(cases[k].Data)
		if len(units) < 2 {
			continue
		}
		start, rest := units[0], units[1:]
		mk := func(u []string) []ReproCase {
			cs := append([]ReproCase(nil), cases...)
			c := cs[k]
			c.Data = joinUnits(start, u)
			cs[k] = c
			return cs
		}
		rest = ddmin(rest, func(u []string) bool { return test(mk(u)) })
		cases = mk(rest)
	}
	min := *rp
	min.Cases = cases
	min.Minimized = true
	min.Detail = res.Detail
	res.Reproduced, res.Class, res.Cases, res.Bytes = true, rp.Class, len(cases), size(cases)
	return &min, res, nil
}

// sipUnits splits a SIP message into its start line, header lines and
// (as one unit, prefixed by "\x00") its body.
func sipUnits(b []byte) []string {
	s := string(b)
	head, body, hasBody := strings.Cut(s, "\r\n\r\n")
	units := strings.Split(head, "\r\n")
	if hasBody && body != "" {
		units = append(units, "\x00"+body)
	}
	return units
}

func joinUnits(start string, rest []string) []byte {
	var b strings.Builder
	b.WriteString(start + "\r\n")
	body := ""
	for _, u := range rest {
		if strings.HasPrefix(u, "\x00") {
			body = u[1:]
			continue
		}
		b.WriteString(u + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String())
}

// ddmin is Zeller's delta debugging minimisation: it returns a subset of
// items (order kept) for which test still holds, 1-minimal when test is
// deterministic and the trial budget suffices.
func ddmin[T any](items []T, test func([]T) bool) []T {
	n := 2
	for len(items) >= 2 {
		chunk := (len(items) + n - 1) / n
		reduced := false
		// try each subset, then each complement
		for i := 0; i < len(items) && !reduced; i += chunk {
			sub := items[i:min(i+chunk, len(items))]
			if len(sub) < len(items) && test(append([]T(nil), sub...)) {
				items, n, reduced = append([]T(nil), sub...), 2, true
			}
		}
		for i := 0; i < len(items) && !reduced && n > 2; i += chunk {
			comp := append(append([]T(nil), items[:i]...), items[min(i+chunk, len(items)):]...)
			if len(comp) > 0 && test(comp) {
				items, n, reduced = comp, max(n-1, 2), true
			}
		}
		if !reduced {
			if n >= len(items) {
				break
			}
			n = min(n*2, len(items))
		}
	}
	return items
}
