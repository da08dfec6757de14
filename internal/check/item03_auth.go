package check

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/sip"
)

// cleartextChallenge is ipa03.cleartext-challenge: does the target send
// digest challenges over a cleartext transport, so that the answers (and
// with them offline password cracking) can be captured (survey item 3)?
// The result is informational: a not-vulnerable verdict whose summary
// starts with "informational:" and whose data has cleartext=true.
type cleartextChallenge struct{}

func (cleartextChallenge) Info() Info {
	return Info{
		ID:       "ipa03.cleartext-challenge",
		Item:     3,
		TitleEN:  "Digest challenge over a cleartext transport (informational)",
		TitleJA:  "平文トランスポート上のダイジェスト認証要求 (情報)",
		Modes:    []Mode{ModeScan},
		Roles:    []Role{RoleRegistrar, RoleProxy},
		Severity: finding.Info,
	}
}

func (cleartextChallenge) Run(ctx context.Context, env *Env) (Outcome, error) {
	c, err := env.Dialer.Dial(ctx, env.Target, "")
	if err != nil {
		return Outcome{}, fmt.Errorf("ipa03.cleartext-challenge: %w", err)
	}
	defer c.Close()
	user := env.User
	if user == "" {
		user = "sipvet" + sip.NewTag(env.Rand)[:8]
	}
	d := env.newDialog()
	req := env.authRegisterQuery(c, d, user)
	res, err := env.transact(ctx, c, req)
	if err != nil {
		if authTimeout(err) {
			return Inconclusive("no final response to a REGISTER for %s", user), nil
		}
		return Outcome{}, fmt.Errorf("ipa03.cleartext-challenge: %w", err)
	}
	return judgeCleartextChallenge(env.Target.Transport, res.Final), nil
}

// judgeCleartextChallenge decides from the transport and the answer to an
// unauthenticated request.
func judgeCleartextChallenge(transportName string, resp *sip.Message) Outcome {
	ch := authChallengeOf(resp)
	var o Outcome
	switch {
	case ch == nil || (resp.StatusCode != 401 && resp.StatusCode != 407):
		o = NotApplicable("the target did not challenge the request (%s)", authStatus(resp))
	case transportName == "tls" || transportName == "wss":
		o = Passed("the digest challenge (%s) and its answer travel inside %s", authStatus(resp), strings.ToUpper(transportName))
	default:
		// Informational (SPEC §5 item 3): reported, but not a vulnerable
		// verdict — every UDP/TCP registrar does this, and the hardened lab
		// must show no vulnerable result.
		o = Passed("informational: the target sends digest challenges over cleartext %s (%s, algorithm %s): anyone on the path can capture the answer and crack the password offline (sipvet crack); use TLS to avoid it",
			strings.ToUpper(transportName), authStatus(resp), algName(ch.Algorithm))
		o.Severity = finding.Info
	}
	o.Data = map[string]any{"transport": transportName, "status": resp.StatusCode, "informational": true,
		"cleartext": transportName != "tls" && transportName != "wss" && ch != nil}
	if ch != nil {
		o.Data["realm"] = ch.Realm
		o.Data["algorithms"] = ch.Offered
		o.Data["qop"] = ch.QOP
	}
	return o
}

func algName(a string) string {
	if a == "" {
		return "MD5 (default)"
	}
	return a
}

// onlineGuess is ipa03.online-guess: can the test account's password be
// guessed online, and does the target slow down or block guessing? Opt-in
// (--allow bruteforce); bounded by --guess-limit, the rate limit and the
// check timeout.
type onlineGuess struct{}

func (onlineGuess) Info() Info {
	return Info{
		ID:      "ipa03.online-guess",
		Item:    3,
		TitleEN: "Online password guessing against the digest authentication",
		TitleJA: "ダイジェスト認証に対するオンラインのパスワード推測",
		Modes:   []Mode{ModeScan},
		Roles:   []Role{RoleRegistrar, RoleProxy},
		Allow:   AllowBruteforce,
	}
}

// Online guessing bounds.
const (
	// guessDefaultLimit is the default number of attempts.
	guessDefaultLimit = 100
	// guessMaxLimit caps --guess-limit.
	guessMaxLimit = 10000
	// guessMinUnthrottled is how many wrong passwords the target must take
	// without slowing or blocking for an "unthrottled" finding.
	guessMinUnthrottled = 20
	// guessSlowFactor: an attempt slower than this × the first attempts'
	// median latency (and over guessSlowFloor) counts as slowed.
	guessSlowFactor = 5
	guessSlowFloor  = 200 * time.Millisecond
	// guessMaxTime bounds the whole guessing run.
	guessMaxTime = 45 * time.Second
)

// guessCommon are the candidates tried when no --wordlist or --mask is
// given, after the user name itself.
func guessCommon() []string {
	return []string{"1234", "12345", "123456", "1234567", "12345678", "0000", "1111", "password", "secret",
		"admin", "pass", "test", "voip", "sip", "qwerty", "letmein", "changeme", "default", "welcome",
		"abc123", "111111", "000000", "654321", "888888", "passw0rd", "password1", "asterisk", "kamailio", "phone"}
}

// guessCandidates returns the candidate passwords, at most limit.
func guessCandidates(env *Env, user string, limit int) ([]string, string) {
	var out []string
	seen := map[string]bool{}
	add := func(s string) bool {
		if len(out) >= limit {
			return false
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
		return true
	}
	source := "built-in list"
	switch {
	case len(env.Wordlist) > 0 || env.GuessMask != "":
		source = "wordlist"
		for _, w := range env.Wordlist {
			if !add(w) {
				break
			}
		}
		if env.GuessMask != "" {
			source = "mask"
			if len(env.Wordlist) > 0 {
				source = "wordlist+mask"
			}
			ms, _ := expandMask(env.GuessMask, limit-len(out))
			for _, w := range ms {
				if !add(w) {
					break
				}
			}
		}
	default:
		for _, w := range append([]string{user, user + user, user + "123"}, guessCommon()...) {
			if !add(w) {
				break
			}
		}
	}
	return out, source
}

// maskSets are the hashcat-style mask classes.
func maskSets() map[byte]string {
	return map[byte]string{
		'd': "0123456789",
		'l': "abcdefghijklmnopqrstuvwxyz",
		'u': "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		's': " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	}
}

// expandMask expands a hashcat-style mask (?d ?l ?u ?s ?a, ?? for '?',
// other characters literal) into at most limit candidates, in order. It
// returns an error for an unknown class.
func expandMask(mask string, limit int) ([]string, error) {
	sets := maskSets()
	sets['a'] = sets['l'] + sets['u'] + sets['d'] + sets['s']
	var pos []string
	for i := 0; i < len(mask); i++ {
		if mask[i] != '?' || i+1 >= len(mask) {
			pos = append(pos, mask[i:i+1])
			continue
		}
		i++
		if mask[i] == '?' {
			pos = append(pos, "?")
			continue
		}
		s, ok := sets[mask[i]]
		if !ok {
			return nil, fmt.Errorf("check: mask class ?%c unknown (want ?d ?l ?u ?s ?a)", mask[i])
		}
		pos = append(pos, s)
	}
	if len(pos) == 0 || limit <= 0 {
		return nil, nil
	}
	idx := make([]int, len(pos))
	var out []string
	buf := make([]byte, len(pos))
	for len(out) < limit {
		for i, p := range pos {
			buf[i] = p[idx[i]]
		}
		out = append(out, string(buf))
		// increment the rightmost position first
		i := len(pos) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < len(pos[i]) {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			break
		}
	}
	return out, nil
}

// guessRun is what a guessing run observed; judgeOnlineGuess decides from it.
type guessRun struct {
	User        string
	Source      string
	Limit       int
	Attempts    int
	Found       bool
	Password    string // masked by the caller
	FoundAt     int
	Blocked     bool
	BlockedHow  string
	BlockedAt   int
	Slowed      bool
	BaselineMS  float64
	MaxMS       float64
	Elapsed     time.Duration
	StopReason  string
	Statuses    map[string]int
	FromSourceB bool
}

func (onlineGuess) Run(ctx context.Context, env *Env) (Outcome, error) {
	if env.User == "" {
		return NotApplicable("needs --user: the account to guess must be one you are authorised to test"), nil
	}
	if env.GuessMask != "" {
		if _, err := expandMask(env.GuessMask, 1); err != nil {
			return Inconclusive("%v", err), nil
		}
	}
	limit := env.GuessLimit
	if limit <= 0 {
		limit = guessDefaultLimit
	}
	limit = min(limit, guessMaxLimit)
	cands, source := guessCandidates(env, env.User, limit)
	ctx, cancel := context.WithTimeout(ctx, guessMaxTime)
	defer cancel()
	// Guess from source B, so that a target that blocks the guessing
	// address does not lock the rest of the scan out.
	c, err := env.Dialer.Dial(ctx, env.Target, env.SourceB)
	fromB := err == nil && env.SourceB != ""
	if err != nil {
		c, err = env.Dialer.Dial(ctx, env.Target, "")
		if err != nil {
			return Outcome{}, fmt.Errorf("ipa03.online-guess: %w", err)
		}
	}
	defer c.Close()
	run := guessRun{User: env.User, Source: source, Limit: limit, Statuses: map[string]int{}, FromSourceB: fromB}
	start := time.Now()
	defer func() { run.Elapsed = time.Since(start) }()
	d := env.newDialog()
	base := env.authRegisterQuery(c, d, env.User)
	res, err := env.transact(ctx, c, base)
	if err != nil {
		if authTimeout(err) {
			return Inconclusive("no final response to a REGISTER for %s", env.User), nil
		}
		return Outcome{}, fmt.Errorf("ipa03.online-guess: %w", err)
	}
	if res.Final.StatusCode >= 200 && res.Final.StatusCode < 300 {
		return NotApplicable("the target served a REGISTER for %s without authentication (see ipa01.register-noauth): nothing to guess", env.User), nil
	}
	ch := authChallengeOf(res.Final)
	if ch == nil {
		return Inconclusive("the target did not challenge a REGISTER for %s (%s)", env.User, authStatus(res.Final)), nil
	}
	var lat []time.Duration
	blockedSignals := 0
	for i, pw := range cands {
		if ctx.Err() != nil {
			run.StopReason = "time bound reached"
			break
		}
		req := env.authRebuild(c, d, base)
		cred, err := env.authAnswer(ch, req, env.User, pw, 1)
		if err != nil {
			return Inconclusive("cannot answer the challenge: %v", err), nil
		}
		req.Set(ch.header(), cred.String())
		t0 := time.Now()
		r, err := env.transact(ctx, c, req)
		el := time.Since(t0)
		run.Attempts++
		if err != nil {
			if !authTimeout(err) {
				return Outcome{}, fmt.Errorf("ipa03.online-guess: %w", err)
			}
			if ctx.Err() != nil {
				run.StopReason = "time bound reached"
				break
			}
			run.Statuses["timeout"]++
			blockedSignals++
			if blockedSignals >= 2 {
				run.Blocked, run.BlockedHow, run.BlockedAt = true, "the target stopped answering (silence)", i+1
				break
			}
			continue
		}
		lat = append(lat, el)
		code := r.Final.StatusCode
		run.Statuses[fmt.Sprint(code)]++
		if ms := float64(el.Microseconds()) / 1000; ms > run.MaxMS {
			run.MaxMS = ms
		}
		if code >= 200 && code < 300 {
			run.Found, run.Password, run.FoundAt = true, pw, i+1
			break
		}
		if len(lat) == 3 {
			run.BaselineMS = medianMS(lat)
		}
		if len(lat) > 3 && el > guessSlowFloor && float64(el.Microseconds())/1000 > guessSlowFactor*run.BaselineMS {
			run.Slowed = true
		}
		if next := authChallengeOf(r.Final); next != nil && (code == 401 || code == 407) {
			ch = next
			blockedSignals = 0
			continue
		}
		// No new challenge: 403, 429, 503 … Ask for a fresh one; if the
		// target refuses that too, it blocks us.
		r2, err := env.transact(ctx, c, env.authRebuild(c, d, base))
		if err == nil && authIsChallenge(r2.Final) && code == 403 {
			ch = authChallengeOf(r2.Final)
			continue
		}
		run.Blocked, run.BlockedAt = true, i+1
		run.BlockedHow = fmt.Sprintf("the target answered %s and then %s to a fresh request", authStatus(r.Final), statusOrTimeout(r2.Final, err))
		break
	}
	if run.BaselineMS == 0 && len(lat) > 0 {
		run.BaselineMS = medianMS(lat)
	}
	if run.StopReason == "" && !run.Found && !run.Blocked && run.Attempts == len(cands) {
		run.StopReason = "candidates exhausted"
	}
	run.Elapsed = time.Since(start)
	out := judgeOnlineGuess(run, env.GuessMask)
	if run.Found {
		out.Data["password"] = env.Mask(run.Password)
	}
	return out, nil
}

func statusOrTimeout(m *sip.Message, err error) string {
	if err != nil {
		return "no answer"
	}
	return authStatus(m)
}

func medianMS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// judgeOnlineGuess decides from a guessing run. mask is only echoed.
func judgeOnlineGuess(run guessRun, mask string) Outcome {
	rate := 0.0
	if run.Elapsed > 0 {
		rate = float64(run.Attempts) / run.Elapsed.Seconds()
	}
	defence := "the target neither slowed down nor blocked the guessing"
	switch {
	case run.Blocked:
		defence = fmt.Sprintf("the target blocked the guessing after %d attempts (%s)", run.BlockedAt, run.BlockedHow)
	case run.Slowed:
		defence = fmt.Sprintf("the target slowed down (up to %.0f ms against a %.1f ms baseline)", run.MaxMS, run.BaselineMS)
	}
	var o Outcome
	switch {
	case run.Found:
		o = Vulnerable("the password of %s was guessed online after %d attempts; %s", run.User, run.FoundAt, defence)
	case run.Blocked || run.Slowed:
		o = Passed("no password found in %d attempts; %s", run.Attempts, defence)
	case run.Attempts >= guessMinUnthrottled:
		o = Vulnerable("the target took %d wrong passwords for %s at %.0f/s without slowing down or blocking: online guessing is only bounded by the attacker's rate", run.Attempts, run.User, rate)
		o.Severity = finding.Medium
	default:
		o = Inconclusive("only %d guesses were made (%s); at least %d without throttling are needed for a verdict", run.Attempts, run.StopReason, guessMinUnthrottled)
	}
	o.Data = map[string]any{
		"user": run.User, "candidates": run.Source, "limit": run.Limit, "attempts": run.Attempts,
		"found": run.Found, "blocked": run.Blocked, "slowed": run.Slowed,
		"baseline_ms": run.BaselineMS, "max_ms": run.MaxMS, "rate_per_s": float64(int(rate*10)) / 10,
		"elapsed_ms": run.Elapsed.Milliseconds(), "statuses": run.Statuses, "from_source_b": run.FromSourceB,
		"thresholds": map[string]any{"min_unthrottled": guessMinUnthrottled, "slow_factor": guessSlowFactor, "slow_floor_ms": guessSlowFloor.Milliseconds()},
	}
	if run.Blocked {
		o.Data["blocked_after"] = run.BlockedAt
		o.Data["blocked_how"] = run.BlockedHow
	}
	if run.Found {
		o.Data["found_at"] = run.FoundAt
	}
	if mask != "" {
		o.Data["mask"] = mask
	}
	if run.StopReason != "" {
		o.Data["stopped"] = run.StopReason
	}
	return o
}
