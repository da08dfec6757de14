package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// outputFlags are the report flags shared by scan, demo and report.
type outputFlags struct {
	format, out, lang, failOn, baseline string
	reveal                              bool
}

func (o *outputFlags) register(cmd *cobra.Command, defFormat string) {
	cmd.Flags().StringVar(&o.format, "format", defFormat, "output format: text, "+strings.Join(report.Formats(), ", "))
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write the output to this file instead of standard output")
	cmd.Flags().StringVar(&o.lang, "lang", "", "report language: ja or en (default from $LANG, else en)")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "low", "exit 1 when a vulnerable result has at least this severity: info, low, medium, high, critical or none")
	cmd.Flags().StringVar(&o.baseline, "baseline", "", "compare with an earlier results JSON: show new, fixed and unchanged findings")
	cmd.Flags().BoolVar(&o.reveal, "reveal", false, "show recovered secrets (passwords, keys, digits) instead of masking them")
}

// scanFlags are the flags of an active audit.
type scanFlags struct {
	checks, allow             []string
	targetsFile               string
	profile                   string
	user, password            string
	rate                      float64
	timeout, checkTimeout     time.Duration
	concurrency               int
	sourceA, sourceB          string
	evidencePcap, journalPath string
	resume, progress, verbose bool
	noLiveness                bool
	discover                  discoverFlags
	infra                     infraFlags
	auth                      authFlags
	ua                        uaFlags
}

func (s *scanFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&s.checks, "checks", nil, "checks to run: ids, items or globs, e.g. ipa01,ipa14.*,19 (default: all scan checks)")
	f.StringSliceVar(&s.allow, "allow", nil, "opt in to disruptive checks by name: "+strings.Join(check.AllowNames(), ", "))
	f.StringVar(&s.profile, "profile", "safe", "safe (non-disruptive checks only) or full (every opt-in)")
	f.StringVar(&s.targetsFile, "targets-file", "", "read more targets from this file, one per line ('#' starts a comment)")
	f.StringVar(&s.user, "user", "", "test account user name, for checks that need credentials")
	f.StringVar(&s.password, "password", "", "test account password")
	f.Float64Var(&s.rate, "rate", 50, "packets per second sent to each target")
	f.DurationVar(&s.timeout, "timeout", 5*time.Second, "how long to wait for the final response to one request")
	f.DurationVar(&s.checkTimeout, "check-timeout", 60*time.Second, "upper bound for one check")
	f.IntVar(&s.concurrency, "concurrency", 4, "targets audited at the same time")
	f.StringVar(&s.sourceA, "source", "", "local source address for ordinary traffic (default: chosen by the system)")
	f.StringVar(&s.sourceB, "source-b", "", "second local address the target has no reason to trust (default 127.0.0.2 for loopback targets)")
	f.StringVar(&s.evidencePcap, "evidence-pcap", "", "write every packet sent and received to this pcapng file")
	f.StringVar(&s.journalPath, "journal", "", "stream results to this JSON-lines file as they are found (default: OUT.journal when --out is set)")
	f.BoolVar(&s.resume, "resume", false, "continue an interrupted run from its journal: checks already done are not run again")
	f.BoolVar(&s.progress, "progress", false, "report progress on standard error (a bar on a terminal, plain lines otherwise)")
	f.BoolVar(&s.noLiveness, "no-liveness", false, "do not probe the target's liveness around disruptive checks")
	f.BoolVarP(&s.verbose, "verbose", "v", false, "log what happens (slog) on standard error")
	s.infra.register(f)
	s.discover.register(f)
	s.auth.register(f)
	s.ua.register(f)
}

func (a *app) scanCmd() *cobra.Command {
	var sf scanFlags
	var of outputFlags
	cmd := &cobra.Command{
		Use:   "scan TARGET...",
		Short: "Actively audit SIP servers and user agents you are authorised to test",
		Long: `Run sipvet's active checks against each TARGET and report a verdict per check
and target: vulnerable, not-vulnerable, inconclusive (with the reason),
not-applicable or skipped.

Targets are URIs: udp://host:port, tcp://…, tls://…, ws://…, wss://…, or
sip:/sips: URIs; IPv6 literals go in brackets (udp://[::1]:5060).

Safety: sipvet sends only to the targets you name, at most --rate packets per
second to each. Checks that can disrupt service or lock accounts run only
with an opt-in (--allow dos,bruteforce,... or --profile full). Bindings and
dialogs sipvet creates are removed again. Recovered secrets are masked in
reports unless --reveal.

Results are streamed to a journal as they are found (--journal, default
OUT.journal with --out), so an interrupted run keeps them; --resume continues.

Exit status: 0 no vulnerable result at or above --fail-on, 1 there is one,
2 usage or runtime error.`,
		Example: `  sipvet scan udp://127.0.0.1:5060
  sipvet scan udp://192.0.2.10:5060 tcp://192.0.2.10:5060 --checks ipa01,ipa19 --format html -o report.html
  sipvet scan udp://192.0.2.10 --user 1000 --password s3cret --format json -o r.json --evidence-pcap r.pcapng
  sipvet scan --targets-file lab.txt --format sarif -o sipvet.sarif --fail-on medium`,
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseTargets(args, sf.targetsFile)
			if err != nil {
				return err
			}
			targets, ex, err := a.discoverTargets(cmd.Context(), targets, &sf)
			if err != nil {
				return err
			}
			if len(targets) == 0 && ex != nil {
				return a.writeEmptySweep(ex.sweep, &of)
			}
			if len(targets) == 0 {
				return usagef("no target given (see 'sipvet scan --help')")
			}
			return a.runScan(cmd.Context(), targets, &sf, &of, ex)
		},
	}
	sf.register(cmd)
	of.register(cmd, "text")
	return cmd
}

// parseTargets parses command-line targets and a targets file.
func parseTargets(args []string, file string) ([]target.Target, error) {
	raw := append([]string{}, args...)
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, usagef("read targets file: %v", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			if line != "" {
				raw = append(raw, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, usagef("read targets file: %v", err)
		}
	}
	var ts []target.Target
	seen := map[string]bool{}
	for _, s := range raw {
		t, err := target.Parse(s)
		if err != nil {
			return nil, usageError{err}
		}
		if !seen[t.String()] {
			seen[t.String()] = true
			ts = append(ts, t)
		}
	}
	return ts, nil
}

// scanExtras lets demo adjust the engine configuration.
type scanExtras struct {
	timers *transport.Timers
	quiet  bool
	sweep  *check.Sweep // set by --discover
}

// runScan runs an active audit and writes its outputs.
func (a *app) runScan(ctx context.Context, targets []target.Target, sf *scanFlags, of *outputFlags, ex *scanExtras) error {
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
	var baseline *finding.Run
	if of.baseline != "" {
		if baseline, err = loadRun(of.baseline); err != nil {
			return err
		}
	}
	all := []check.Check{}
	for _, c := range check.All() {
		if c.Info().HasMode(check.ModeScan) {
			all = append(all, c)
		}
	}
	checks, err := check.Select(all, sf.checks)
	if err != nil {
		return usageError{err}
	}
	if ex != nil && ex.sweep != nil {
		checks = withSweep(checks, ex.sweep)
	}
	allow := append([]string{}, sf.allow...)
	switch sf.profile {
	case "safe":
	case "full":
		allow = append(allow, check.AllowNames()...)
	default:
		return usagef("unknown --profile %q (want safe or full)", sf.profile)
	}
	for _, x := range sf.allow {
		if !contains(check.AllowNames(), x) {
			return usagef("unknown --allow %q (want %s)", x, strings.Join(check.AllowNames(), ", "))
		}
	}
	if sf.rate == 0 || sf.timeout <= 0 {
		return usagef("--rate and --timeout must be positive")
	}
	logger := slog.New(slog.DiscardHandler)
	if sf.verbose {
		logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}

	run := newRun("scan", lang, scan.TargetStrings(targets)...)

	// Journal: results are on disk as soon as they exist.
	jpath := sf.journalPath
	defaultJournal := false
	if jpath == "" && of.out != "" {
		jpath, defaultJournal = of.out+".journal", true
	}
	done := map[string]bool{}
	if sf.resume {
		if jpath == "" {
			return usagef("--resume needs --journal or --out (the journal of the interrupted run)")
		}
		h, prev, err := readJournal(jpath)
		if err != nil {
			return usageError{err}
		}
		if h != nil {
			run.Started = h.Started
		}
		for _, r := range prev {
			if strings.HasSuffix(r.Check, ".liveness") {
				run.Results = append(run.Results, r)
				continue
			}
			if !done[r.Key()] {
				done[r.Key()] = true
				run.Results = append(run.Results, r)
			}
		}
		fmt.Fprintf(a.stderr, "resuming: %d results from %s\n", len(run.Results), jpath)
	} else if jpath != "" {
		_ = os.Remove(jpath)
	}
	var jr *journal
	if jpath != "" {
		if jr, err = openJournal(jpath, journalHeader{Mode: "scan", Started: run.Started, Targets: run.Targets}); err != nil {
			return err
		}
		defer jr.Close()
	}

	topts := transport.Options{}
	if sf.evidencePcap != "" {
		observe, closePcap, err := openEvidencePcap(sf.evidencePcap)
		if err != nil {
			return err
		}
		defer closePcap()
		topts.Observers = append(topts.Observers, observe)
	}

	cfg := scan.Config{
		Targets: targets, Checks: checks, Concurrency: sf.concurrency, Rate: sf.rate,
		User: sf.user, Password: sf.password, Allow: allow, SourceA: sf.sourceA, SourceB: sf.sourceB,
		CheckTimeout: sf.checkTimeout, Liveness: !sf.noLiveness, Done: done, UserAgent: "sipvet/" + version,
		Reveal: of.reveal, Transport: topts, Log: logger,
	}
	if cfg.Infra, err = sf.infra.options(); err != nil {
		return err
	}
	if err := sf.auth.apply(&cfg); err != nil {
		return err
	}
	if err := sf.ua.apply(&cfg); err != nil {
		return err
	}
	cfg.Timers = transport.DefaultTimers()
	cfg.Timers.Timeout = sf.timeout
	if ex != nil && ex.timers != nil {
		cfg.Timers = *ex.timers
	}
	var jerr error
	cfg.OnResult = func(r finding.Result) {
		if jr != nil {
			if err := jr.Add(r); err != nil && jerr == nil {
				jerr = err
			}
		}
	}
	cfg.OnProgress = a.progressFunc(sf.progress, len(targets)*len(checks)-len(done))
	fresh, scanErr := scan.Run(ctx, cfg)
	run.Results = append(run.Results, fresh...)
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeScan, checks)...)
	run.Finished = time.Now().UTC()
	if jerr != nil {
		fmt.Fprintf(a.stderr, "sipvet: warning: %v\n", jerr)
	}
	quiet := ex != nil && ex.quiet
	if err := a.writeOutputs(run, of, lang, baseline, quiet); err != nil {
		return err
	}
	if scanErr != nil {
		where := ""
		if jpath != "" {
			where = fmt.Sprintf("; results so far are in %s (continue with --resume)", jpath)
		}
		return fmt.Errorf("scan interrupted: %w%s", scanErr, where)
	}
	if defaultJournal {
		// The report holds everything; a journal the user named is kept.
		_ = os.Remove(jpath)
	}
	if run.FailsAt(failOn) {
		return errFindings
	}
	return nil
}

// writeOutputs renders the run in the chosen format to --out or stdout;
// with --out, a short summary also goes to stdout.
func (a *app) writeOutputs(run *finding.Run, of *outputFlags, lang string, baseline *finding.Run, quiet bool) error {
	var w io.Writer = a.stdout
	var f *os.File
	if of.out != "" {
		if dir := filepath.Dir(of.out); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create output directory: %w", err)
			}
		}
		tmp, err := os.CreateTemp(filepath.Dir(of.out), ".sipvet-*")
		if err != nil {
			return fmt.Errorf("write %s: %w", of.out, err)
		}
		f, w = tmp, tmp
	}
	var err error
	if of.format == "text" {
		err = writeSummary(w, run, lang, baseline)
	} else {
		err = report.Render(w, of.format, run, report.Options{Lang: lang, Reveal: of.reveal, Baseline: baseline, Now: time.Now})
	}
	if f != nil {
		cerr := f.Close()
		if err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(f.Name(), 0o644)
		}
		if err == nil {
			err = os.Rename(f.Name(), of.out)
		} else {
			os.Remove(f.Name())
		}
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if of.out != "" && !quiet {
		if err := writeSummary(a.stdout, run, lang, baseline); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "\n%s written: %s\n", of.format, of.out)
	}
	return nil
}

func (a *app) progressFunc(enabled bool, total int) func(scan.Progress) {
	f, isFile := a.stderr.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	if tty {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(a.stderr), progressbar.OptionSetDescription("scanning"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		return func(p scan.Progress) {
			bar.Describe(p.Check)
			_ = bar.Set(p.Done)
		}
	}
	if !enabled {
		return nil
	}
	return func(p scan.Progress) {
		fmt.Fprintf(a.stderr, "[%d/%d] %s %s\n", p.Done, p.Total, p.Check, p.Target)
	}
}

func loadRun(path string) (*finding.Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("read results: %v", err)
	}
	r, err := finding.Unmarshal(b)
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	return r, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
