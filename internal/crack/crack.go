// Package crack recovers SIP digest passwords offline: it tries candidates
// from a wordlist (optionally expanded by simple rules) or a mask against
// captured digest responses (digest.HashEntry), on every core.
//
// MD5 and MD5-sess responses go through the multi-buffer SIMD kernel of
// package md5x: per candidate one block for H(user:realm:password), whose
// constant prefix is precomputed, then the hex-and-hash chain(s) whose
// constant tail ("nonce:nc:cnonce:qop:HA2") is folded into the round
// constants once per target. SHA-256 and SHA-512-256 use the standard
// library, one candidate at a time.
package crack

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipvet/sipvet/internal/crack/md5x"
	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
)

// Options tunes a Run. The zero value is usable.
type Options struct {
	// Workers is the number of goroutines; 0 means runtime.NumCPU().
	Workers int
	// Rules is "none" (or "") or "simple" (see Rules).
	Rules string
	// Kernel forces an MD5 kernel (tests, benchmarks); nil picks the fastest.
	Kernel *md5x.Kernel
	// Progress, when set, is called every Interval (default 1 s) and once at
	// the end, from a separate goroutine.
	Progress func(Progress)
	Interval time.Duration
	// Now is the clock for rates; nil means time.Now.
	Now func() time.Time
}

// Progress is a snapshot of a running crack.
type Progress struct {
	// Tried counts candidate × hash tests done so far; Candidates counts
	// candidates (each tried against every hash still open).
	Tried, Candidates uint64
	// Rate is candidates per second since the start.
	Rate float64
	// Fraction is the share of the source handed out (0–1), -1 if unknown.
	Fraction float64
	// ETA is the estimated time left, 0 when unknown.
	ETA     time.Duration
	Elapsed time.Duration
	Found   int
	Total   int
	Final   bool
}

// Result is the outcome for one hash entry.
type Result struct {
	Entry    *digest.HashEntry
	Found    bool
	Password string
	// Tried is the number of candidates tested against this entry.
	Tried uint64
}

// target is the per-entry precomputation.
type target struct {
	idx   int
	entry *digest.HashEntry
	done  atomic.Bool
	tried atomic.Uint64
	mu    sync.Mutex
	pass  string

	isMD5 bool
	// MD5: chaining value after the full blocks of "user:realm:", the rest
	// of that prefix, and its total length.
	h0     [4]uint32
	rest   []byte
	preLen int
	sess   *md5x.Chain
	resp   *md5x.Chain
	want   [4]uint32
	// Other algorithms.
	newHash  func() hash.Hash
	prefix   []byte // user:realm:
	sessTail []byte // :nonce:cnonce for -sess, nil otherwise
	tail     []byte // :nonce:…:HA2
	wantHex  string
}

func newTarget(i int, e *digest.HashEntry, k *md5x.Kernel) (*target, error) {
	t := &target{idx: i, entry: e}
	c := e.Cred
	if c.Algorithm == digest.Plain {
		t.done.Store(true)
		t.pass = c.Response
		return t, nil
	}
	alg, err := digest.CanonicalAlgorithm(c.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("crack: entry %d: %w", i+1, err)
	}
	ha2, err := e.HA2()
	if err != nil {
		return nil, fmt.Errorf("crack: entry %d: %w", i+1, err)
	}
	if c.QOP != "" {
		t.tail = []byte(":" + c.Nonce + ":" + c.NC + ":" + c.CNonce + ":" + c.QOP + ":" + ha2)
	} else {
		t.tail = []byte(":" + c.Nonce + ":" + ha2)
	}
	sess := strings.HasSuffix(alg, "-sess")
	if sess {
		t.sessTail = []byte(":" + c.Nonce + ":" + c.CNonce)
	}
	t.prefix = []byte(c.Username + ":" + c.Realm + ":")
	t.wantHex = strings.ToLower(c.Response)
	switch strings.TrimSuffix(alg, "-sess") {
	case digest.MD5:
		t.isMD5 = true
		raw, err := hex.DecodeString(t.wantHex)
		if err != nil || len(raw) != 16 {
			return nil, fmt.Errorf("crack: entry %d: response is not an MD5 digest", i+1)
		}
		for w := range t.want {
			t.want[w] = binary.LittleEndian.Uint32(raw[w*4:])
		}
		t.h0 = md5x.IV()
		full := len(t.prefix) / 64 * 64
		for b := 0; b < full; b += 64 {
			md5x.Compress(&t.h0, t.prefix[b:b+64])
		}
		t.rest = t.prefix[full:]
		t.preLen = len(t.prefix)
		t.resp = k.NewChain(t.tail)
		if sess {
			t.sess = k.NewChain(t.sessTail)
		}
	case digest.SHA256:
		t.newHash = sha256.New
	default:
		t.newHash = sha512.New512_256
	}
	return t, nil
}

// found records a password; only the first one counts.
func (t *target) found(p string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done.Load() {
		return false
	}
	t.pass = p
	t.done.Store(true)
	return true
}

// Run tries the candidates of src against every entry until each is found,
// the source is exhausted or ctx ends. It returns one Result per entry, in
// order, and ctx's error when interrupted (the results found so far are
// still returned).
func Run(ctx context.Context, entries []*digest.HashEntry, src Source, opt Options) ([]Result, error) {
	if len(entries) == 0 {
		return nil, ErrNoHashes
	}
	expand := func(w []byte, emit func([]byte)) { emit(w) }
	switch opt.Rules {
	case "", "none":
	case "simple":
		expand = simpleRules
	default:
		return nil, fmt.Errorf("%w: %q (want %s)", ErrRules, opt.Rules, strings.Join(Rules(), ", "))
	}
	k := opt.Kernel
	if k == nil {
		k = md5x.New()
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	targets := make([]*target, len(entries))
	var open atomic.Int64
	for i, e := range entries {
		t, err := newTarget(i, e, k)
		if err != nil {
			return nil, err
		}
		targets[i] = t
		if !t.done.Load() {
			open.Add(1)
		}
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cands atomic.Uint64
	var srcErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := now()
	if open.Load() > 0 {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wk := newWorker(k, targets, &open, cancel)
				for ctx.Err() == nil {
					j, err := src.next()
					if err != nil {
						errOnce.Do(func() { srcErr = err })
						cancel()
						return
					}
					if j == nil {
						break
					}
					j.run(func(base []byte) {
						expand(base, wk.add)
					})
					wk.flush()
					cands.Add(wk.count)
					wk.count = 0
				}
			}()
		}
	}
	snapshot := func(final bool) Progress {
		el := now().Sub(start)
		p := Progress{Candidates: cands.Load(), Elapsed: el, Fraction: src.progress(), Total: len(targets), Final: final}
		for _, t := range targets {
			p.Tried += t.tried.Load()
			if t.done.Load() {
				p.Found++
			}
		}
		if s := el.Seconds(); s > 0 {
			p.Rate = float64(p.Candidates) / s
		}
		if p.Fraction > 0 && p.Fraction < 1 {
			p.ETA = time.Duration(float64(el) * (1 - p.Fraction) / p.Fraction)
		}
		return p
	}
	stopProgress := make(chan struct{})
	var pwg sync.WaitGroup
	if opt.Progress != nil {
		iv := opt.Interval
		if iv <= 0 {
			iv = time.Second
		}
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			tk := time.NewTicker(iv)
			defer tk.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-tk.C:
					opt.Progress(snapshot(false))
				}
			}
		}()
	}
	wg.Wait()
	close(stopProgress)
	pwg.Wait()
	if opt.Progress != nil {
		opt.Progress(snapshot(true))
	}
	res := make([]Result, len(targets))
	for i, t := range targets {
		t.mu.Lock()
		res[i] = Result{Entry: t.entry, Found: t.done.Load(), Password: t.pass, Tried: t.tried.Load()}
		t.mu.Unlock()
	}
	if srcErr != nil {
		return res, srcErr
	}
	if open.Load() > 0 && parent.Err() != nil {
		return res, parent.Err()
	}
	return res, nil
}

// CheckID is the id of the offline-cracking result (item 03).
const CheckID = "ipa03.offline-crack"

// Check describes the crack-mode check for catalogues.
func Check() finding.CheckRef {
	return finding.CheckRef{Item: 3, ID: CheckID, Mode: "crack",
		TitleEN: "Offline cracking of captured digest passwords",
		TitleJA: "盗聴したダイジェスト認証パスワードのオフライン解析"}
}
