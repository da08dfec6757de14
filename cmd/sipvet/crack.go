package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sipvet/sipvet/internal/capture"
	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/crack"
	"github.com/sipvet/sipvet/internal/crack/md5x"
	"github.com/sipvet/sipvet/internal/digest"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
)

// crackFlags are the flags of the offline cracker.
type crackFlags struct {
	hashes, pcap   string
	wordlist, mask string
	charsets       [4]string
	rules          string
	workers        int
	quiet          bool
}

func (a *app) crackCmd() *cobra.Command {
	var cf crackFlags
	var of outputFlags
	cmd := &cobra.Command{
		Use:   "crack (--hashes FILE | --pcap FILE) (--wordlist FILE | --mask MASK)",
		Short: "Offline digest password cracking from a capture or a hash file",
		Long: `Recover SIP digest passwords offline (item 03): an eavesdropper who captured
a digest exchange over cleartext SIP can test passwords at CPU speed, without
the server ever seeing a login attempt.

Input is a hash file (--hashes) in sipdump/sipcrack format or hashcat mode
11400 format (detected per line; blank lines and lines starting with '#' are
ignored), or a capture (--pcap) whose digest exchanges are extracted as
'sipvet pcap' does. Every algorithm is supported: MD5, MD5-sess, SHA-256,
SHA-256-sess, SHA-512-256, SHA-512-256-sess, with qop auth, auth-int or none.

Candidates come from a wordlist (--wordlist, streamed, any size; one word per
line) or a mask (--mask): ?l a–z, ?u A–Z, ?d 0–9, ?s symbols and space, ?a all
of these, ?1–?4 the custom charsets of -1 … -4, ?? a literal '?'.
--rules simple also tries each word lowercased, Capitalized and UPPERCASED,
each alone and followed by one or two digits.

MD5 runs in a multi-buffer SIMD kernel (AVX-512, AVX2 or SSE2, chosen at run
time) on every core (--workers). Progress with candidates/s and ETA goes to
standard error. Ctrl-C stops and still reports what was found. Each hash is
dropped as soon as its password is found.

The result is ipa03.offline-crack with data.credentials: {user, realm,
algorithm, qop, password (masked unless --reveal), candidates}.
Exit status: 0 nothing cracked, 1 a password was cracked (see --fail-on),
2 usage or runtime error.`,
		Example: `  sipvet crack --hashes login.dump --wordlist rockyou.txt
  sipvet crack --pcap login.pcapng --mask '?d?d?d?d?d?d' --reveal
  sipvet crack --hashes hashcat.txt --mask '?1?l?l?l?d?d' -1 '?u?l' --format json -o r.json
  sipvet crack --hashes login.dump --wordlist names.txt --rules simple --workers 4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runCrack(cmd.Context(), &cf, &of)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cf.hashes, "hashes", "", "hash file: sipdump/sipcrack or hashcat -m 11400 lines")
	f.StringVar(&cf.pcap, "pcap", "", "capture (pcap/pcapng) to take the digest exchanges from")
	f.StringVar(&cf.wordlist, "wordlist", "", "candidate passwords, one per line")
	f.StringVar(&cf.mask, "mask", "", "candidate mask, e.g. '?d?d?d?d' or 'pass?d?d'")
	for i := range cf.charsets {
		f.StringVarP(&cf.charsets[i], fmt.Sprintf("charset%d", i+1), fmt.Sprint(i+1), "", fmt.Sprintf("custom charset ?%d for --mask (may use ?l ?u ?d ?s)", i+1))
	}
	f.StringVar(&cf.rules, "rules", "none", "word rules: none or simple")
	f.IntVar(&cf.workers, "workers", runtime.NumCPU(), "worker goroutines (default: all cores)")
	f.BoolVarP(&cf.quiet, "quiet", "q", false, "no progress on standard error")
	of.register(cmd, "text")
	return cmd
}

// loadHashes reads a hash file; bad lines are usage errors naming the line.
func loadHashes(path string) ([]*digest.HashEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("hashes: %v", err)
	}
	defer f.Close()
	var out []*digest.HashEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), digest.MaxHashLine+2)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, _, err := digest.ParseHashLine(line)
		if err != nil {
			return nil, usagef("%s:%d: %v", path, n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("%s:%d: %v", path, n+1, err)
	}
	if len(out) == 0 {
		return nil, usagef("%s: no hash lines", path)
	}
	return out, nil
}

// pcapHashes extracts the digest exchanges of a capture.
func pcapHashes(ctx context.Context, path string) ([]*digest.HashEntry, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, usagef("pcap: %v", err)
	}
	rep, _, err := capture.AnalyzeFile(ctx, path, capture.Options{})
	if err != nil {
		return nil, usagef("pcap: %v", err)
	}
	var out []*digest.HashEntry
	for _, d := range rep.Digests {
		cred := d.Credentials
		out = append(out, &digest.HashEntry{Server: crackHostOf(d.Server), Client: crackHostOf(d.Client), Cred: &cred, Req: d.Request})
	}
	if len(out) == 0 {
		return nil, usagef("%s: no digest exchange over cleartext SIP in the capture", path)
	}
	return out, nil
}

func (a *app) runCrack(ctx context.Context, cf *crackFlags, of *outputFlags) error {
	lang, err := a.langFlag(of.lang)
	if err != nil {
		return err
	}
	failOn, err := finding.ParseSeverity(of.failOn)
	if err != nil {
		return usageError{err}
	}
	if err := checkFormat(of.format); err != nil {
		return err
	}
	switch {
	case (cf.hashes == "") == (cf.pcap == ""):
		return usagef("give exactly one of --hashes and --pcap")
	case (cf.wordlist == "") == (cf.mask == ""):
		return usagef("give exactly one of --wordlist and --mask")
	case cf.workers < 1:
		return usagef("--workers must be at least 1")
	case !contains(crack.Rules(), cf.rules):
		return usagef("unknown --rules %q (want %s)", cf.rules, strings.Join(crack.Rules(), " or "))
	}
	var src crack.Source
	if cf.mask != "" {
		if src, err = crack.Mask(cf.mask, cf.charsets[:]); err != nil {
			return usageError{err}
		}
	} else {
		f, err := os.Open(cf.wordlist)
		if err != nil {
			return usagef("wordlist: %v", err)
		}
		defer f.Close()
		var size int64
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		src = crack.Wordlist(f, size, filepath.Base(cf.wordlist))
	}
	input := cf.hashes
	var entries []*digest.HashEntry
	if cf.hashes != "" {
		entries, err = loadHashes(cf.hashes)
	} else {
		input = cf.pcap
		entries, err = pcapHashes(ctx, cf.pcap)
	}
	if err != nil {
		return err
	}

	k := md5x.New()
	run := newRun("crack", lang, input)
	if !cf.quiet {
		fmt.Fprintf(a.stderr, "crack: %d hash(es) from %s, %s, %d workers, MD5 kernel %s (%d lanes)\n",
			len(entries), input, src.Describe(), cf.workers, k.Name(), k.Lanes())
	}
	opt := crack.Options{Workers: cf.workers, Rules: cf.rules, Kernel: k}
	if !cf.quiet {
		opt.Progress = a.crackProgress()
	}
	started := time.Now()
	res, crackErr := crack.Run(ctx, entries, src, opt)
	if crackErr != nil && !errors.Is(crackErr, context.Canceled) && !errors.Is(crackErr, context.DeadlineExceeded) {
		return fmt.Errorf("crack: %w", crackErr)
	}
	r := crackResult(input, src, res, of.reveal, crackErr != nil, time.Since(started))
	run.Results = append(run.Results, r)
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeCrack, nil)...)
	run.Finished = time.Now().UTC()
	if err := a.writeOutputs(run, of, lang, nil, false); err != nil {
		return err
	}
	if crackErr != nil {
		return fmt.Errorf("crack interrupted: %w (passwords found so far are in the results)", crackErr)
	}
	if run.FailsAt(failOn) {
		return errFindings
	}
	return nil
}

// checkFormat validates --format for commands that render with writeOutputs.
func checkFormat(format string) error {
	if format == "text" {
		return nil
	}
	for _, f := range report.Formats() {
		if f == format {
			return nil
		}
	}
	return usagef("unknown --format %q (want text, %s)", format, strings.Join(report.Formats(), ", "))
}

// crackProgress prints progress lines (overwritten in place on a terminal).
func (a *app) crackProgress() func(crack.Progress) {
	f, isFile := a.stderr.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	return func(p crack.Progress) {
		frac, eta := "", ""
		if p.Fraction >= 0 {
			frac = fmt.Sprintf(" %5.1f%%", 100*p.Fraction)
		}
		if p.ETA > 0 {
			eta = " ETA " + p.ETA.Round(time.Second).String()
		}
		line := fmt.Sprintf("crack: %s candidates, %s/s%s%s, found %d/%d, %s",
			si(float64(p.Candidates)), si(p.Rate), frac, eta, p.Found, p.Total, p.Elapsed.Round(100*time.Millisecond))
		switch {
		case tty && p.Final:
			fmt.Fprintf(a.stderr, "\r%-100s\n", line)
		case tty:
			fmt.Fprintf(a.stderr, "\r%-100s", line)
		default:
			fmt.Fprintln(a.stderr, line)
		}
	}
}

// si formats a count with a k/M/G suffix.
func si(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// crackResult turns the cracking outcome into the ipa03.offline-crack result.
func crackResult(input string, src crack.Source, res []crack.Result, reveal, interrupted bool, took time.Duration) finding.Result {
	r := finding.Result{Item: 3, Check: crack.CheckID, Target: input, Severity: finding.Info,
		Evidence: []finding.Evidence{}, Data: map[string]any{}}
	if it, ok := kb.Get(3); ok {
		if it.CVSS2 != nil {
			p := it.CVSS2.Published
			r.CVSS2 = &finding.CVSS{Vector: it.CVSS2.Vector, Score: it.CVSS2.Score, Published: &p}
		}
		if it.CVSS3.Vector != "" {
			r.CVSS3 = &finding.CVSS{Vector: it.CVSS3.Vector, Score: it.CVSS3.Score}
		}
	}
	creds := []map[string]any{}
	hashes := []map[string]any{}
	found := 0
	var tried uint64
	for _, x := range res {
		c := x.Entry.Cred
		alg := c.Algorithm
		h := map[string]any{"user": c.Username, "realm": c.Realm, "method": x.Entry.Req.Method, "uri": x.Entry.Req.URI,
			"algorithm": alg, "qop": c.QOP, "server": x.Entry.Server, "client": x.Entry.Client,
			"cracked": x.Found, "candidates": x.Tried}
		hashes = append(hashes, h)
		tried = max(tried, x.Tried)
		if !x.Found {
			continue
		}
		found++
		pw := x.Password
		if !reveal {
			pw = finding.Mask(pw)
		}
		creds = append(creds, map[string]any{"user": c.Username, "realm": c.Realm, "algorithm": alg, "qop": c.QOP,
			"password": pw, "candidates": x.Tried})
	}
	r.Data["credentials"] = creds
	r.Data["hashes"] = hashes
	r.Data["source"] = src.Describe()
	r.Data["seconds"] = took.Seconds()
	if s := took.Seconds(); s > 0 {
		r.Data["candidates_per_second"] = float64(tried) / s
	}
	switch {
	case found > 0:
		r.Verdict = finding.Vulnerable
		r.Severity = finding.Medium
		if r.CVSS3 != nil {
			r.Severity = finding.SeverityForScore(r.CVSS3.Score)
		}
		r.Summary = fmt.Sprintf("%d of %d captured digest password(s) cracked offline with %s", found, len(res), src.Describe())
	case interrupted:
		r.Verdict = finding.Inconclusive
		r.Reason = fmt.Sprintf("interrupted before %s was exhausted; no password found among the candidates tried", src.Describe())
		r.Summary = r.Reason
	default:
		r.Verdict = finding.NotVulnerable
		r.Summary = fmt.Sprintf("no password of %d captured digest(s) is in %s", len(res), src.Describe())
	}
	return r
}

// crackHostOf returns the IP address of an "ip:port" string.
func crackHostOf(s string) string {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().String()
	}
	return s
}
