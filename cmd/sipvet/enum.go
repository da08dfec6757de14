package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/enum"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// enumFlags are the flags of sipvet enum.
type enumFlags struct {
	ranges       []string
	wordlist     string
	method       string
	rate         float64
	window       int
	wait         time.Duration
	retries      int
	calibration  int
	domain       string
	source       string
	userAgent    string
	evidencePcap string
	progress     bool
}

// maxEnumEvidence bounds the messages kept in the result (the pcapng of
// --evidence-pcap holds them all).
const maxEnumEvidence = 200

func (a *app) enumCmd() *cobra.Command {
	var ef enumFlags
	var of outputFlags
	cmd := &cobra.Command{
		Use:   "enum TARGET",
		Short: "Extension/ID enumeration (item 19): find which IDs exist on a SIP server",
		Long: `Find which extensions or user IDs exist on a SIP server you are authorised to
test (survey item 19, ID harvesting), like sipvicious svwar but pipelined.

sipvet first calibrates: it sends the chosen request for a few random IDs that
cannot exist and records their answers. It then sends one request per
candidate (from --range and --wordlist), many in flight at once, at most
--rate per second, and retransmits unanswered ones. Every candidate whose
answer differs from all calibration answers — in status code, reason phrase
or the set of headers present — is probed again slowly next to fresh random
IDs, and reported only if the difference holds (so an overload 503 or a lost
packet never becomes a found ID). Candidates that never answer are listed as
unanswered, never as found: a target that starts dropping sipvet (pike-style
rate limits) is reported, not misread.

REGISTER probes carry no Contact (a binding query, RFC 3261 §10.2.3), so they
create no registration. INVITE probes are cancelled when they ring and ended
with ACK/BYE when answered — but they may ring phones: prefer REGISTER or
OPTIONS. SUBSCRIBE probes use Expires: 0.

--rate defaults to 4000 requests/s, enough to finish 2,000 extensions in
about half a second on a LAN or loopback; lower it for production servers
(e.g. --rate 100).

The results use the sipvet.results/v1 contract with mode "enum": the
ipa19.enum result lists the IDs found in data.found.`,
		Example: `  sipvet enum udp://127.0.0.1:5060 --range 1000-2999
  sipvet enum udp://192.0.2.10 --range 100-199,1000-1999 --wordlist names.txt --method OPTIONS --rate 200
  sipvet enum tcp://pbx.example.net:5060 --range 2000-2099 --format json -o enum.json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("enum needs exactly one TARGET (see 'sipvet enum --help')")
			}
			t, err := target.Parse(args[0])
			if err != nil {
				return usageError{err}
			}
			return a.runEnum(cmd.Context(), t, &ef, &of)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&ef.ranges, "range", nil, "numeric IDs to try: FROM-TO, comma-separated (zero padding kept: 0100-0199)")
	f.StringVar(&ef.wordlist, "wordlist", "", "file of IDs to try, one per line ('#' starts a comment)")
	f.StringVar(&ef.method, "method", "REGISTER", "request used: REGISTER, INVITE, OPTIONS or SUBSCRIBE")
	f.Float64Var(&ef.rate, "rate", 4000, "requests per second at most (calibration and confirmation go slower)")
	f.IntVar(&ef.window, "window", 256, "requests awaiting an answer at most")
	f.DurationVar(&ef.wait, "wait", 500*time.Millisecond, "time before an unanswered request is sent again")
	f.IntVar(&ef.retries, "retries", 2, "retransmissions of an unanswered request (UDP)")
	f.IntVar(&ef.calibration, "calibration", 6, "random non-existent IDs probed to learn the 'no such user' answer")
	f.StringVar(&ef.domain, "domain", "", "domain of the probed URIs (default: the target's host:port)")
	f.StringVar(&ef.source, "source", "", "local source address")
	f.StringVar(&ef.userAgent, "user-agent", "sipvet/"+version, "User-Agent header sent (servers often drop known scanner names)")
	f.StringVar(&ef.evidencePcap, "evidence-pcap", "", "write every packet sent and received to this pcapng file")
	f.BoolVar(&ef.progress, "progress", false, "report progress on standard error")
	of.register(cmd, "text")
	return cmd
}

// enumCandidates merges --range and --wordlist, dropping duplicates.
func enumCandidates(ranges []string, wordlist string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(id string) error {
		if !seen[id] {
			if len(out) >= enum.MaxCandidates {
				return usagef("more than %d candidate IDs", enum.MaxCandidates)
			}
			seen[id] = true
			out = append(out, id)
		}
		return nil
	}
	for _, r := range ranges {
		ids, err := enum.ParseRange(r)
		if err != nil {
			return nil, usageError{err}
		}
		for _, id := range ids {
			if err := add(id); err != nil {
				return nil, err
			}
		}
	}
	if wordlist != "" {
		fh, err := os.Open(wordlist)
		if err != nil {
			return nil, usagef("read wordlist: %v", err)
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if strings.ContainsAny(line, " \t<>@;\"\r") {
				return nil, usagef("wordlist %s: %q is not a SIP user part", wordlist, line)
			}
			if err := add(line); err != nil {
				return nil, err
			}
		}
		if err := sc.Err(); err != nil {
			return nil, usagef("read wordlist: %v", err)
		}
	}
	if len(out) == 0 {
		return nil, usagef("no candidate IDs: give --range and/or --wordlist")
	}
	return out, nil
}

func (a *app) runEnum(ctx context.Context, t target.Target, ef *enumFlags, of *outputFlags) error {
	lang, err := a.langFlag(of.lang)
	if err != nil {
		return err
	}
	failOn, err := finding.ParseSeverity(of.failOn)
	if err != nil {
		return usageError{err}
	}
	if of.format != "text" && !contains(report.Formats(), of.format) {
		return usagef("unknown --format %q (want text, %s)", of.format, strings.Join(report.Formats(), ", "))
	}
	method := strings.ToUpper(ef.method)
	if !contains(enum.Methods(), method) {
		return usagef("unknown --method %q (want %s)", ef.method, strings.Join(enum.Methods(), ", "))
	}
	if ef.rate == 0 || ef.window <= 0 || ef.wait <= 0 || ef.retries < 0 || ef.calibration <= 0 {
		return usagef("--rate, --window, --wait and --calibration must be positive")
	}
	cands, err := enumCandidates(ef.ranges, ef.wordlist)
	if err != nil {
		return err
	}
	var baseline *finding.Run
	if of.baseline != "" {
		if baseline, err = loadRun(of.baseline); err != nil {
			return err
		}
	}

	evlog := transport.NewEvidenceLog()
	topts := transport.Options{LocalAddr: ef.source, Observers: []transport.Observer{func(dir transport.Direction, p transport.Packet) {
		if evlog.Len() < maxEnumEvidence {
			evlog.Observe(dir, p)
		}
	}}}
	if ef.evidencePcap != "" {
		observe, closePcap, err := openEvidencePcap(ef.evidencePcap)
		if err != nil {
			return err
		}
		defer closePcap()
		topts.Observers = append(topts.Observers, observe)
	}
	run := newRun("enum", lang, t.String())
	conn, err := transport.Dial(ctx, t, topts)
	if err != nil {
		return fmt.Errorf("enum: %w", err)
	}
	defer conn.Close()
	fmt.Fprintf(a.stderr, "enum: %d candidates, %s, at most %.0f/s, to %s\n", len(cands), method, ef.rate, t)
	cfg := enum.Config{Target: t, Domain: ef.domain, Method: method, Candidates: cands, Rate: ef.rate, Window: ef.window,
		Wait: ef.wait, Retries: ef.retries, Calibration: ef.calibration, UserAgent: ef.userAgent, Rand: rand.Reader, Now: time.Now}
	if ef.retries == 0 {
		cfg.Retries = -1
	}
	if ef.progress {
		step := max(len(cands)/10, 1)
		cfg.Progress = func(done, total int) {
			if done%step == 0 || done == total {
				fmt.Fprintf(a.stderr, "enum: %d/%d answered\n", done, total)
			}
		}
	}
	started := time.Now().UTC()
	res, runErr := enum.Run(ctx, check.EnumConn{Conn: conn}, cfg)
	finished := time.Now().UTC()
	r := enumResult(t, res, runErr, len(cands))
	r.Started, r.Finished = &started, &finished
	r.Evidence = evlog.Take()
	if r.Evidence == nil {
		r.Evidence = []finding.Evidence{}
	}
	run.Results = append(run.Results, r)
	var ran []check.Check
	if cs, err := check.Select(check.All(), []string{"ipa19.enum"}); err == nil {
		ran = cs
	}
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeEnum, ran)...)
	run.Finished = time.Now().UTC()
	if res != nil {
		fmt.Fprintf(a.stderr, "enum: %d candidates in %.2f s (%.0f/s), %d requests, %d found, %d unanswered\n",
			len(cands), res.Elapsed.Seconds(), res.Rate, res.Sent, len(res.Found), len(res.Unanswered))
	}
	if err := a.writeOutputs(run, of, lang, baseline, false); err != nil {
		return err
	}
	if runErr != nil && !errors.Is(runErr, enum.ErrNoCalibration) {
		return fmt.Errorf("enum interrupted: %w", runErr)
	}
	if run.FailsAt(failOn) {
		return errFindings
	}
	return nil
}

// enumResult turns an enumeration into the ipa19.enum result.
func enumResult(t target.Target, res *enum.Result, err error, n int) finding.Result {
	r := finding.Result{Item: 19, Check: "ipa19.enum", Target: t.String(), Severity: finding.Info,
		Evidence: []finding.Evidence{}, Data: map[string]any{"found": []string{}}}
	if it, ok := kb.Get(19); ok {
		if it.CVSS2 != nil {
			p := it.CVSS2.Published
			r.CVSS2 = &finding.CVSS{Vector: it.CVSS2.Vector, Score: it.CVSS2.Score, Published: &p}
		}
		if it.CVSS3.Vector != "" {
			r.CVSS3 = &finding.CVSS{Vector: it.CVSS3.Vector, Score: it.CVSS3.Score}
		}
	}
	if res != nil {
		found := []string{}
		for _, h := range res.Found {
			found = append(found, h.ID)
		}
		r.Data = map[string]any{"found": found, "hits": res.Found, "method": res.Method, "candidates": res.Candidates,
			"requests": res.Sent, "seconds": res.Elapsed.Seconds(), "rate": res.Rate, "baseline": res.Baseline,
			"unanswered": nonEmpty(res.Unanswered), "rejected": nonEmpty(res.Rejected), "notes": nonEmpty(res.Notes)}
	}
	switch {
	case errors.Is(err, enum.ErrNoCalibration):
		r.Verdict = finding.Inconclusive
		r.Reason = "no answer to any random ID: the target is silent, filtering, or dropping this scanner"
	case err != nil:
		r.Verdict = finding.Inconclusive
		r.Reason = "interrupted: " + err.Error()
	case len(res.Found) > 0:
		r.Verdict, r.Severity = finding.Vulnerable, finding.SeverityForScore(5.3)
		if r.CVSS3 != nil {
			r.Severity = finding.SeverityForScore(r.CVSS3.Score)
		}
		ids := r.Data["found"].([]string)
		shown := ids
		if len(shown) > 20 {
			shown = shown[:20]
		}
		more := ""
		if len(ids) > len(shown) {
			more = fmt.Sprintf(" … (%d more)", len(ids)-len(shown))
		}
		r.Summary = fmt.Sprintf("%d of %d IDs exist — %s%s — they answer %s differently from random non-existent IDs (%s)",
			len(ids), n, strings.Join(shown, ", "), more, res.Method, res.Found[0].Diff)
	case len(res.Unanswered) == n:
		r.Verdict = finding.Inconclusive
		r.Reason = "no candidate was answered (rate limiting?); lower --rate"
	default:
		r.Verdict = finding.NotVulnerable
		r.Summary = fmt.Sprintf("all %d IDs got the same answers to %s as random non-existent IDs", n, res.Method)
		if len(res.Unanswered) > 0 {
			r.Summary += fmt.Sprintf(" (%d unanswered)", len(res.Unanswered))
		}
	}
	if r.Summary == "" {
		r.Summary = "could not decide: " + r.Reason
	}
	return r
}

func nonEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
