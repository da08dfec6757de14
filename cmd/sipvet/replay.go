package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/fuzz"
	"github.com/sipvet/sipvet/internal/kb"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
)

func (a *app) replayCmd() *cobra.Command {
	var of outputFlags
	var targetURI, execCmd string
	var minimize bool
	var probeTimeout, settle time.Duration
	var maxTrials int
	var listen, dutControl, dutAccount string
	cmd := &cobra.Command{
		Use:   "replay DIR...",
		Short: "Replay saved fuzz reproducers, optionally minimizing them",
		Long: `Replay the reproducer directories that 'sipvet fuzz' saved: send the cases
before the failure and the failing case again, in order, then probe the
target's liveness and report whether the failure happens again.

--target sends them to another target (the original host:port in the
messages is replaced by the new one). --exec starts the target program
before each replay and watches it for exit, signal and sanitizer reports.

--minimize shrinks the reproducer by delta debugging: first the list of
cases, then the header lines and body of the messages left, keeping each
step that still fails the same way. The result is saved in DIR/minimized/.
Minimizing needs a target that comes back after each trial: use --exec for
targets that crash.

A reproducer of 'sipvet fuzz --uac' holds responses, not requests: replay
listens again (--listen, default the original address), makes the device
send its REGISTER/INVITE/BYE through --dut-control and serves the saved
responses to them.`,
		Example: `  sipvet replay sipvet-fuzz/failure-001-exit
  sipvet replay sipvet-fuzz/failure-001-exit --exec "./pbx -p 5090" --minimize
  sipvet replay sipvet-fuzz/failure-00* --target udp://127.0.0.1:5070 --format json -o replay.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("replay needs at least one reproducer directory (see 'sipvet replay --help')")
			}
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
			rc := fuzz.ReplayConfig{Settle: settle, MaxTrials: maxTrials, Monitor: fuzz.MonitorConfig{ProbeTimeout: probeTimeout}, Listen: listen}
			if dutControl != "" {
				if rc.Driver, err = uacDriver(dutControl, dutAccount); err != nil {
					return err
				}
			}
			if targetURI != "" {
				if rc.Target, err = target.Parse(targetURI); err != nil {
					return usageError{err}
				}
			}
			if execCmd != "" {
				if rc.Process, err = fuzz.NewProcess(execCmd, nil); err != nil {
					return usageError{err}
				}
			}
			var reps []*fuzz.Reproducer
			for _, dir := range args {
				rp, err := fuzz.LoadReproducer(dir)
				if err != nil {
					return usageError{err}
				}
				reps = append(reps, rp)
			}
			run := newRun("fuzz", lang)
			seen := map[string]bool{}
			for k, rp := range reps {
				dir := args[k]
				tg := rp.Target
				if targetURI != "" {
					tg = rc.Target.String()
				}
				if !seen[tg] {
					seen[tg] = true
					run.Targets = append(run.Targets, tg)
				}
				fmt.Fprintf(a.stderr, "replay: %s: %d case(s), originally %s (%s) against %s\n", dir, len(rp.Cases), rp.Class, rp.Detail, rp.Target)
				var res fuzz.ReplayResult
				out := ""
				if minimize {
					rc.Log = func(format string, x ...any) { fmt.Fprintf(a.stderr, "replay: "+format+"\n", x...) }
					var min *fuzz.Reproducer
					min, res, err = fuzz.Minimize(cmd.Context(), rp, rc)
					if err == nil {
						out = filepath.Join(dir, "minimized")
						if err = min.Save(out); err == nil {
							fmt.Fprintf(a.stderr, "replay: minimized %d case(s), %d bytes → %d case(s), %d bytes in %d trials: %s\n",
								res.OriginalCases, res.OriginalBytes, res.Cases, res.Bytes, res.Trials, out)
						}
					}
				} else {
					res, err = fuzz.Replay(cmd.Context(), rp, rc)
				}
				if err != nil && cmd.Context().Err() != nil {
					return err
				}
				run.Results = append(run.Results, replayResult(rp, tg, dir, out, res, err))
			}
			run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeFuzz, nil)...)
			run.Finished = time.Now().UTC()
			if err := a.writeOutputs(run, &of, lang, nil, false); err != nil {
				return err
			}
			if run.FailsAt(failOn) {
				return errFindings
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&targetURI, "target", "", "send to this target instead of the reproducer's")
	cmd.Flags().StringVar(&execCmd, "exec", "", "start and watch the target program before each replay: \"cmd args\"")
	cmd.Flags().BoolVar(&minimize, "minimize", false, "shrink the reproducer by delta debugging; save it in DIR/minimized")
	cmd.Flags().DurationVar(&probeTimeout, "probe-timeout", 2*time.Second, "a liveness probe unanswered for this long means no answer")
	cmd.Flags().DurationVar(&settle, "settle", 300*time.Millisecond, "wait this long after the last case before probing")
	cmd.Flags().IntVar(&maxTrials, "max-trials", 150, "upper bound of replays while minimizing")
	cmd.Flags().StringVar(&listen, "listen", "", "uac reproducers: where to listen for the device (default the original address)")
	cmd.Flags().StringVar(&dutControl, "dut-control", "", "uac reproducers: how to make the device act: baresip-cons://ip:port")
	cmd.Flags().StringVar(&dutAccount, "dut-account", "", "uac reproducers: the account line baresip re-creates for a REGISTER")
	of.register(cmd, "text")
	return cmd
}

// replayResult is the item-12 result of one replayed reproducer.
func replayResult(rp *fuzz.Reproducer, tg, dir, minimized string, res fuzz.ReplayResult, err error) finding.Result {
	src := "fuzz"
	if len(rp.Cases) > 0 {
		src, _, _ = strings.Cut(rp.Cases[len(rp.Cases)-1].ID, ":")
	}
	r := finding.Result{Item: 12, Check: fuzz.CheckFor(src), Target: tg, Evidence: []finding.Evidence{},
		Data: map[string]any{"reproducer": dir, "original_class": rp.Class, "cases": res.Cases, "trials": res.Trials}}
	if it, ok := kb.Get(12); ok && it.CVSS3.Vector != "" {
		r.CVSS3 = &finding.CVSS{Vector: it.CVSS3.Vector, Score: it.CVSS3.Score}
		if it.CVSS2 != nil {
			p := it.CVSS2.Published
			r.CVSS2 = &finding.CVSS{Vector: it.CVSS2.Vector, Score: it.CVSS2.Score, Published: &p}
		}
	}
	if minimized != "" {
		r.Data["minimized"] = minimized
		r.Data["bytes"] = res.Bytes
	}
	switch {
	case err != nil:
		r.Verdict, r.Severity = finding.Inconclusive, finding.Info
		r.Reason = err.Error()
		r.Summary = "could not replay: " + r.Reason
	case res.Reproduced:
		r.Verdict = finding.Vulnerable
		r.Severity = finding.Medium
		if r.CVSS3 != nil {
			r.Severity = finding.SeverityForScore(r.CVSS3.Score)
		}
		r.Summary = fmt.Sprintf("reproduced: %s (%s) with %d case(s)", res.Class, res.Detail, res.Cases)
		r.Data["class"] = res.Class
	default:
		r.Verdict, r.Severity = finding.NotVulnerable, finding.Info
		r.Summary = fmt.Sprintf("did not reproduce: the target stayed alive after the %d case(s) of the %s reproducer", res.Cases, rp.Class)
	}
	return r
}
