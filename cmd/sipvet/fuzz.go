package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/fuzz"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

// fuzzFlags are the flags of sipvet fuzz.
type fuzzFlags struct {
	allow                          []string
	sources, cases                 []string
	seed                           uint64
	user                           string
	mutations                      int
	start, stop, count             int
	shard                          string
	resume                         bool
	maxCases, maxFailures, window  int
	duration                       time.Duration
	rate                           float64
	probeEvery                     int
	probeTimeout, slowMin, recover time.Duration
	slowFactor                     float64
	execCmd                        string
	restart                        bool
	reproDir, source, evidencePcap string
	progress, verbose              bool
	uac                            bool
	listen, dutControl, dutAccount string
}

func (f *fuzzFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.allow, "allow", nil, "opt in to disruptive testing: fuzzing needs --allow fuzz")
	fl.StringSliceVar(&f.sources, "sources", nil, "test-case sources: "+strings.Join(fuzz.SourceNames(), ", ")+" (default: all)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of the seeded sources: the same seed, target and --source give the same cases")
	fl.StringVar(&f.user, "user", "", "user part of the Request-URI of generated requests (default fuzz)")
	fl.IntVar(&f.mutations, "mutations", 2000, "number of mutation cases")
	fl.IntVar(&f.start, "start", 0, "first campaign case number")
	fl.IntVar(&f.stop, "stop", 0, "stop before this campaign case number (0 = end)")
	fl.IntVar(&f.count, "count", 0, "run this many campaign cases from --start (0 = all)")
	fl.StringSliceVar(&f.cases, "case", nil, "run only these cases: campaign numbers (1234) or source cases (protos:17)")
	fl.StringVar(&f.shard, "shard", "", "run shard i of n (i/n): case k belongs to shard k mod n")
	fl.BoolVar(&f.resume, "resume", false, "continue an interrupted campaign from the state in --repro-dir")
	fl.IntVar(&f.maxCases, "max-cases", 0, "stop after sending this many cases (0 = no bound)")
	fl.DurationVar(&f.duration, "duration", 0, "stop after this long (0 = no bound)")
	fl.Float64Var(&f.rate, "rate", 500, "cases per second (0 = as fast as the target answers the probes)")
	fl.IntVar(&f.probeEvery, "probe-every", 100, "probe liveness every N cases (and after each anomaly)")
	fl.DurationVar(&f.probeTimeout, "probe-timeout", 2*time.Second, "a liveness probe unanswered for this long means no answer")
	fl.Float64Var(&f.slowFactor, "slow-factor", 10, "a probe slower than this many times the baseline latency (and --slow-min) is slow")
	fl.DurationVar(&f.slowMin, "slow-min", 200*time.Millisecond, "latencies below this are never slow")
	fl.DurationVar(&f.recover, "recover-wait", 10*time.Second, "how long to wait for a target that stopped answering to come back")
	fl.IntVar(&f.window, "window", 0, "cases before the failing one kept in a reproducer (default --probe-every)")
	fl.IntVar(&f.maxFailures, "max-failures", 50, "stop after this many distinct failures")
	fl.StringVar(&f.execCmd, "exec", "", "start and watch the target program: \"cmd args\" (exit, signal and sanitizer reports are failures)")
	fl.BoolVar(&f.restart, "restart", false, "with --exec: relaunch the target after it died or hung, and continue")
	fl.StringVar(&f.reproDir, "repro-dir", "sipvet-fuzz", "directory for reproducers and the resume state")
	fl.StringVar(&f.source, "source", "", "local source address of the fuzz socket, ip or ip:port (a fixed port makes cases byte-identical across runs)")
	fl.StringVar(&f.evidencePcap, "evidence-pcap", "", "write every packet sent and received to this pcapng file")
	fl.BoolVar(&f.progress, "progress", false, "print progress on standard error every second")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "log what happens (slog) on standard error")
	fl.BoolVar(&f.uac, "uac", false, "fuzz a device's client side: answer its REGISTER/INVITE/BYE with malformed responses (needs --listen and --dut-control)")
	fl.StringVar(&f.listen, "listen", "", "with --uac: where sipvet listens as the device's registrar and call peer (udp://ip:port)")
	fl.StringVar(&f.dutControl, "dut-control", "", "with --uac: how to make the device act: baresip-cons://ip:port")
	fl.StringVar(&f.dutAccount, "dut-account", "", "with --uac and baresip-cons: the account line to re-create for each REGISTER case (else REGISTER cases are skipped)")
}

// uacDriver parses --dut-control for the UAC campaign and replay.
func uacDriver(control, account string) (fuzz.UACDriver, error) {
	scheme, addr, ok := strings.Cut(control, "://")
	if !ok || scheme != "baresip-cons" || addr == "" {
		return nil, usagef("--dut-control %q: want baresip-cons://ip:port", control)
	}
	return &fuzz.BaresipCons{Addr: addr, Account: account}, nil
}

func (a *app) fuzzCmd() *cobra.Command {
	var ff fuzzFlags
	var of outputFlags
	cmd := &cobra.Command{
		Use:   "fuzz TARGET",
		Short: "Item 12: fuzz campaign with liveness monitoring and reproducers",
		Long: `Send malformed and unusual SIP, SDP, RTP and RTCP to one TARGET and watch
whether it survives (survey item 12, and item 11's codec payloads).

Sources (--sources, all by default), each deterministic given --seed:
  torture      every RFC 4475 torture message and RFC 5118 IPv6 message,
               with the Request-URI pointed at the target
  protos       PROTOS c07-sip-style groups: each INVITE/SDP element ×
               overflows, format strings, integer boundaries, NUL/CR/LF
               injection, non-UTF-8 and ANSI escapes, empty, URI escapes;
               missing/duplicated/empty/folded headers; Content-Length mismatch
  mutation     seeded grammar-aware mutation of valid messages (header
               insert/delete/duplicate/swap, token boundary values, splice)
  application  SQL/HTML/shell payloads in display names, user parts,
               User-Agent, Subject, bodies; an unescaped echo is reported
  stateful     a dialog is set up, then malformed in-dialog ACK, BYE, CANCEL,
               PRACK, re-INVITE, UPDATE and INFO are sent
  media        in a call: RTP header and codec payload cases (G.711, G.722,
               G.729, Opus, RFC 4733 events), RTCP, SDP in re-INVITEs

Cases are numbered across the selected sources ("case 1234") and within
each source ("protos:17"); case N is always the same bytes for the same
seed, target and local address (--source). --start/--stop/--count, --case,
--shard i/n and --resume select what runs.

Liveness: the baseline latency is learned first (OPTIONS, or INVITE/CANCEL
when OPTIONS is not answered); then the target is probed every
--probe-every cases and after each anomaly. Failures: no-answer, hang,
slow (--slow-factor × baseline), restart (the target's answers change), and
with --exec (sipvet starts the target program): exit, signal, sanitizer
report on standard error. --restart relaunches an --exec target and goes on.

Each failure saves a reproducer directory in --repro-dir: the failing case,
the --window cases before it, target, seed, case numbers and the liveness
timeline. 'sipvet replay DIR' runs it again; 'sipvet replay --minimize DIR'
shrinks it to a minimal reproducer.

Safety: fuzzing can crash or hang the target. It needs --allow fuzz, runs
against the one target named, and is bounded by --rate, --max-cases and
--duration.

--uac fuzzes a device's client side instead: sipvet listens (--listen) as
the registrar and call peer the device uses, makes it REGISTER, call and
hang up (--dut-control), and answers its REGISTER, INVITE and BYE with
malformed responses (broken 401 challenges, 200 with broken SDP, Contact or
Record-Route, 180/183 anomalies, overflows). Liveness: OPTIONS to the
device. Failures are reported as ipa12.stateful; 'sipvet replay' re-serves
the responses when the device sends its requests again.

Exit status: 0 the target survived, 1 a failure at or above --fail-on,
2 usage or runtime error.`,
		Example: `  sipvet fuzz udp://127.0.0.1:5060 --allow fuzz --max-cases 5000
  sipvet fuzz udp://192.0.2.10:5060 --allow fuzz --sources torture,protos --rate 200 --format json -o fuzz.json
  sipvet fuzz udp://127.0.0.1:5090 --allow fuzz --exec "./pbx -p 5090" --restart --repro-dir out/
  sipvet fuzz udp://127.0.0.1:5060 --allow fuzz --case protos:17,protos:918
  sipvet fuzz udp://127.0.0.1:5060 --allow fuzz --shard 2/8 --repro-dir shard2 --resume
  sipvet fuzz --uac --allow fuzz --listen udp://127.0.0.1:5070 --dut-control baresip-cons://127.0.0.1:5555 \
      --dut-account "<sip:dut@127.0.0.1:5070>;auth_pass=secret;regint=600"`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if ff.uac {
				if len(args) > 1 {
					return usagef("fuzz --uac takes at most one argument, the device's SIP address")
				}
				return a.runFuzzUAC(cmd.Context(), args, &ff, &of)
			}
			if len(args) != 1 {
				return usagef("fuzz needs exactly one target (see 'sipvet fuzz --help')")
			}
			t, err := target.Parse(args[0])
			if err != nil {
				return usageError{err}
			}
			return a.runFuzz(cmd.Context(), t, &ff, &of)
		},
	}
	ff.register(cmd)
	of.register(cmd, "text")
	return cmd
}

func (a *app) runFuzz(ctx context.Context, t target.Target, ff *fuzzFlags, of *outputFlags) error {
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
	for _, x := range ff.allow {
		if !contains(check.AllowNames(), x) {
			return usagef("unknown --allow %q (want %s)", x, strings.Join(check.AllowNames(), ", "))
		}
	}
	if !contains(ff.allow, check.AllowFuzz) {
		return usagef("fuzzing can crash or hang the target: opt in with --allow fuzz")
	}
	var baseline *finding.Run
	if of.baseline != "" {
		if baseline, err = loadRun(of.baseline); err != nil {
			return err
		}
	}
	sources := ff.sources
	if len(sources) == 0 {
		sources = fuzz.SourceNames()
	}
	var ordered []string
	for _, s := range fuzz.SourceNames() {
		if contains(sources, s) {
			ordered = append(ordered, s)
		}
	}
	for _, s := range sources {
		if !contains(fuzz.SourceNames(), s) {
			return usagef("unknown source %q (want %s)", s, strings.Join(fuzz.SourceNames(), ", "))
		}
	}
	shard, err := fuzz.ParseShard(ff.shard)
	if err != nil {
		return usageError{err}
	}
	switch {
	case ff.rate < 0 || ff.probeEvery <= 0 || ff.probeTimeout <= 0 || ff.mutations < 0 || ff.start < 0 || ff.stop < 0 || ff.count < 0:
		return usagef("--rate, --mutations, --start, --stop and --count must not be negative; --probe-every and --probe-timeout must be positive")
	case ff.restart && ff.execCmd == "":
		return usagef("--restart needs --exec (sipvet can only relaunch a program it started)")
	case ff.count > 0 && ff.stop > 0:
		return usagef("give --stop or --count, not both")
	case len(ff.cases) > 0 && (ff.start > 0 || ff.stop > 0 || ff.count > 0 || ff.shard != ""):
		return usagef("--case cannot be combined with --start, --stop, --count or --shard")
	}
	logger := slog.New(slog.DiscardHandler)
	if ff.verbose {
		logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	topts := transport.Options{}
	if ff.evidencePcap != "" {
		observe, closePcap, err := openEvidencePcap(ff.evidencePcap)
		if err != nil {
			return err
		}
		defer closePcap()
		topts.Observers = append(topts.Observers, observe)
	}
	cfg := fuzz.Config{
		Target: t, Sources: ordered, Seed: ff.seed, User: ff.user, Mutations: ff.mutations,
		Start: ff.start, Stop: ff.stop, Shard: shard, MaxCases: ff.maxCases, Duration: ff.duration, Rate: ff.rate,
		ProbeEvery: ff.probeEvery, Window: ff.window, MaxFailures: ff.maxFailures, Restart: ff.restart,
		OutDir: ff.reproDir, Local: ff.source, Transport: topts, Log: logger,
		Monitor: fuzz.MonitorConfig{ProbeTimeout: ff.probeTimeout, SlowFactor: ff.slowFactor, SlowMin: ff.slowMin, RecoverWait: ff.recover},
	}
	if ff.count > 0 {
		cfg.Stop = ff.start + ff.count
	}
	if ff.execCmd != "" {
		var log io.Writer
		if ff.verbose {
			log = a.stderr
		}
		if cfg.Process, err = fuzz.NewProcess(ff.execCmd, log); err != nil {
			return usageError{err}
		}
	}
	var prior []fuzz.Failure
	if ff.resume {
		next, failures, err := fuzz.ResumeState(ff.reproDir, t, ff.seed, ordered)
		if err != nil {
			return usageError{err}
		}
		cfg.Start, prior = next, failures
		fmt.Fprintf(a.stderr, "fuzz: resuming at case %d with %d earlier failure(s)\n", next, len(failures))
	}
	if len(ff.cases) > 0 {
		pl, err := fuzz.NewPlan(fuzz.Params{Seed: ff.seed, Target: t, Mutations: ff.mutations}, ordered)
		if err != nil {
			return usageError{err}
		}
		for _, ref := range ff.cases {
			i, err := pl.Lookup(ref)
			if err != nil {
				return usageError{err}
			}
			cfg.Only = append(cfg.Only, i)
		}
	}
	cfg.OnFailure = func(f fuzz.Failure) {
		where := ""
		if f.Reproducer != "" {
			where = " → " + f.Reproducer
		}
		fmt.Fprintf(a.stderr, "fuzz: FAILURE %s after case %d %s (%s): %s%s\n", f.Class, f.Case.Index, f.Case.ID, f.Case.Group, f.Detail, where)
	}
	if ff.progress || isTerminal(a.stderr) {
		cfg.OnProgress = func(p fuzz.Progress) {
			fmt.Fprintf(a.stderr, "fuzz: case %d  sent %d/%d  %.0f cases/s  failures %d  %s\n", p.Index, p.Sent, p.Total, p.Rate, p.Failures, p.Group)
		}
	}
	fmt.Fprintf(a.stderr, "fuzz: %s, sources %s, seed %d, probe every %d cases\n", t, strings.Join(ordered, ","), ff.seed, ff.probeEvery)
	run := newRun("fuzz", lang, t.String())
	rep, runErr := fuzz.Run(ctx, cfg)
	if rep != nil {
		rep.Failures = append(prior, rep.Failures...)
		fmt.Fprintf(a.stderr, "fuzz: sent %d cases (%.0f/s), %d probes, baseline %v, %d failure(s)%s\n",
			rep.Sent, rep.CasesPerSec, rep.Probes, rep.Baseline.Round(time.Microsecond), len(rep.Failures), stoppedNote(rep.Stopped))
		if rep.Sent > 0 || len(rep.Failures) > 0 {
			run.Results = append(run.Results, rep.Results()...)
		}
	}
	if runErr != nil && errors.Is(runErr, fuzz.ErrNotAlive) {
		return runErr
	}
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeFuzz, nil)...)
	run.Finished = time.Now().UTC()
	if err := a.writeOutputs(run, of, lang, baseline, false); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("fuzz: %w (continue with --resume)", runErr)
	}
	if run.FailsAt(failOn) {
		return errFindings
	}
	return nil
}

func stoppedNote(s string) string {
	if s == "" {
		return ""
	}
	return "; stopped: " + s
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runFuzzUAC runs the UAC campaign (--uac).
func (a *app) runFuzzUAC(ctx context.Context, args []string, ff *fuzzFlags, of *outputFlags) error {
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
	if !contains(ff.allow, check.AllowFuzz) {
		return usagef("fuzzing can crash or hang the device: opt in with --allow fuzz")
	}
	if ff.listen == "" || ff.dutControl == "" {
		return usagef("--uac needs --listen udp://ip:port and --dut-control baresip-cons://ip:port")
	}
	if !strings.HasPrefix(ff.listen, "udp://") && strings.Contains(ff.listen, "://") {
		return usagef("--listen %q: only udp:// is supported with --uac", ff.listen)
	}
	drv, err := uacDriver(ff.dutControl, ff.dutAccount)
	if err != nil {
		return err
	}
	device := ""
	if len(args) == 1 {
		t, err := target.Parse(args[0])
		if err != nil {
			return usageError{err}
		}
		device = t.HostPort()
	}
	probeEvery := ff.probeEvery
	if probeEvery == 100 {
		probeEvery = 20
	}
	cfg := fuzz.UACConfig{Listen: ff.listen, Driver: drv, Device: device, Seed: ff.seed, Start: ff.start, Stop: ff.stop,
		MaxCases: ff.maxCases, Duration: ff.duration, ProbeEvery: probeEvery, Window: ff.window, MaxFailures: ff.maxFailures, OutDir: ff.reproDir,
		Monitor: fuzz.MonitorConfig{ProbeTimeout: ff.probeTimeout, SlowFactor: ff.slowFactor, SlowMin: ff.slowMin, RecoverWait: ff.recover}}
	if ff.count > 0 {
		cfg.Stop = ff.start + ff.count
	}
	cfg.OnFailure = func(f fuzz.Failure) {
		fmt.Fprintf(a.stderr, "fuzz: FAILURE %s after case %s (%s): %s → %s\n", f.Class, f.Case.ID, f.Case.Group, f.Detail, f.Reproducer)
	}
	if ff.progress || isTerminal(a.stderr) {
		cfg.OnProgress = func(p fuzz.Progress) {
			fmt.Fprintf(a.stderr, "fuzz: case %d  sent %d/%d  %.1f cases/s  failures %d  %s\n", p.Index, p.Sent, p.Total, p.Rate, p.Failures, p.Group)
		}
	}
	fmt.Fprintf(a.stderr, "fuzz: uac, listening on %s, seed %d\n", ff.listen, ff.seed)
	run := newRun("fuzz", lang)
	rep, runErr := fuzz.RunUAC(ctx, cfg)
	if rep != nil && rep.Target != "" {
		run.Targets = []string{rep.Target}
		fmt.Fprintf(a.stderr, "fuzz: sent %d of %d responses (%.1f/s), %d probes, baseline %v, %d failure(s)%s\n",
			rep.Sent, rep.Total, rep.CasesPerSec, rep.Probes, rep.Baseline.Round(time.Microsecond), len(rep.Failures), stoppedNote(rep.Stopped))
		if rep.Sent > 0 || len(rep.Failures) > 0 {
			run.Results = append(run.Results, rep.Results()...)
		}
	}
	if runErr != nil && (errors.Is(runErr, fuzz.ErrNotAlive) || errors.Is(runErr, fuzz.ErrNoDevice) || len(run.Targets) == 0) {
		return runErr
	}
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeFuzz, nil)...)
	run.Finished = time.Now().UTC()
	if err := a.writeOutputs(run, of, lang, nil, false); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("fuzz: %w", runErr)
	}
	if run.FailsAt(failOn) {
		return errFindings
	}
	return nil
}
