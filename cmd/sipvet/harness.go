package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/harness"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/scan"
	"github.com/sipvet/sipvet/internal/target"
)

type harnessFlags struct {
	listen, checks               []string
	timeout, stepTimeout, window time.Duration
	dutControl, sourceB, tlsName string
	caCert, caKey, evidencePcap  string
	calls                        int
	noAuth, verbose              bool
}

func (a *app) harnessCmd() *cobra.Command {
	var hf harnessFlags
	var of outputFlags
	cmd := &cobra.Command{
		Use:   "harness",
		Short: "Act as registrar/proxy for a device under test and audit its client side",
		Long: `Run sipvet as the registrar and proxy of a device under test (DUT) — a phone,
softphone or gateway you configure to register to sipvet — and test how the
DUT behaves as a SIP client:

  ipa02.response-foreign-source  a 200 OK from another address is ACKed
  ipa02.response-wrong-branch    a 200 OK with a wrong Via branch is ACKed
  ipa02.redirect-followed        a 302 to a third party is followed silently
  ipa05.tls-downgrade            after a TLS reset the DUT retries in cleartext
  ipa13.client-identifiers       predictable Call-IDs, tags, branches, cnonces
  ipa15.foreign-source-invite    an INVITE from a non-registrar source rings
  ipa20.client-accepts-bad-cert  self-signed, wrong-name, expired or
                                 untrusted-CA server certificates accepted

sipvet tells you on standard error what to do on the device ("register now",
"dial 2001") and waits at most --step-timeout for each step; the whole run
ends after --timeout. With --dut-control it drives an automatable DUT itself:
baresip-ctrl://HOST:PORT (baresip's ctrl_tcp module) or
baresip-cons://HOST:PORT (its cons module).

For the TLS checks, listen on tls:// as well and make the device trust the
harness CA (--ca-cert/--ca-key: created on first use; install the
certificate in the DUT) so that the wrong-name and expired certificates
differ from an acceptable one in one property only.

Safety: the harness sends only to the address the DUT registered from; calls
it sets up are ended (BYE, CANCEL or an error response).

Exit status: 0 no vulnerable result at or above --fail-on, 1 there is one,
2 usage or runtime error.`,
		Example: `  sipvet harness --listen udp://0.0.0.0:5060
  sipvet harness --listen udp://192.0.2.1:5060,tls://192.0.2.1:5061 --ca-cert ca.pem --ca-key ca.key --checks ipa02,ipa20
  sipvet harness --listen udp://127.0.0.1:5060 --dut-control baresip-ctrl://127.0.0.1:4444 --timeout 3m --format json -o dut.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runHarness(cmd.Context(), &hf, &of)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&hf.listen, "listen", []string{"udp://0.0.0.0:5060"}, "where the harness listens: udp://, tcp://, tls:// addresses (comma-separated)")
	f.StringSliceVar(&hf.checks, "checks", nil, "harness checks to run: ids, items or globs, e.g. ipa02,ipa20 (default: all)")
	f.DurationVar(&hf.timeout, "timeout", 10*time.Minute, "end the run after this long")
	f.DurationVar(&hf.stepTimeout, "step-timeout", 60*time.Second, "how long to wait for the device at each step")
	f.DurationVar(&hf.window, "window", 4*time.Second, "how long to watch for the device's reaction to a test")
	f.StringVar(&hf.dutControl, "dut-control", "", "drive the device: baresip-ctrl://HOST:PORT or baresip-cons://HOST:PORT (default: prompt a person)")
	f.StringVar(&hf.sourceB, "source-b", "", "second local address for foreign-source tests (default 127.0.0.2 on loopback)")
	f.StringVar(&hf.tlsName, "tls-name", "", "name of the harness in its TLS certificates and in the TLS URIs the device dials (default: the tls listen address)")
	f.StringVar(&hf.caCert, "ca-cert", "", "harness CA certificate (PEM); created with --ca-key when missing")
	f.StringVar(&hf.caKey, "ca-key", "", "harness CA key (PEM)")
	f.StringVar(&hf.evidencePcap, "evidence-pcap", "", "write every packet sent and received to this pcapng file")
	f.IntVar(&hf.calls, "calls", 100, "most extra short calls ipa13 asks the device for")
	f.BoolVar(&hf.noAuth, "no-auth", false, "do not challenge the device (no digest; no cnonces for ipa13)")
	f.BoolVarP(&hf.verbose, "verbose", "v", false, "log what happens (slog) on standard error")
	of.register(cmd, "text")
	return cmd
}

// harnessRef lets scan.Coverage see the selected harness checks.
type harnessRef struct{ info check.Info }

func (h harnessRef) Info() check.Info { return h.info }
func (h harnessRef) Run(context.Context, *check.Env) (check.Outcome, error) {
	return check.Outcome{}, errors.New("harness checks run in sipvet harness")
}

// harnessCatalogue lists the harness checks for sipvet items and reports.
func harnessCatalogue() []finding.CheckRef {
	var refs []finding.CheckRef
	for _, c := range harness.Checks() {
		refs = append(refs, finding.CheckRef{Item: c.Item, ID: c.ID, TitleEN: c.TitleEN, TitleJA: c.TitleJA, Mode: string(check.ModeHarness)})
	}
	return refs
}

func (a *app) runHarness(ctx context.Context, hf *harnessFlags, of *outputFlags) error {
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
	var listen []target.Target
	for _, s := range hf.listen {
		t, err := target.Parse(s)
		if err != nil {
			return usageError{err}
		}
		if t.Transport != "udp" && t.Transport != "tcp" && t.Transport != "tls" {
			return usagef("--listen %s: the harness listens on udp, tcp or tls", s)
		}
		listen = append(listen, t)
	}
	if len(listen) == 0 {
		return usagef("--listen needs at least one address")
	}
	ids, err := harness.Select(hf.checks)
	if err != nil {
		return usageError{err}
	}
	if hf.timeout <= 0 || hf.stepTimeout <= 0 || hf.window <= 0 {
		return usagef("--timeout, --step-timeout and --window must be positive")
	}
	drv, err := harness.ParseDriver(hf.dutControl)
	if err != nil {
		return usageError{err}
	}
	ca, err := loadOrCreateCA(hf.caCert, hf.caKey)
	if err != nil {
		return err
	}
	logger := slog.New(slog.DiscardHandler)
	if hf.verbose {
		logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	cfg := harness.Config{Listen: listen, Checks: ids, Timeout: hf.timeout, StepTimeout: hf.stepTimeout,
		Window: hf.window, SourceB: hf.sourceB, Driver: drv, Prompts: a.stderr, Calls: hf.calls, CA: ca,
		TLSName: hf.tlsName, NoAuth: hf.noAuth, Log: logger, UserAgent: "sipvet/" + version}
	if hf.evidencePcap != "" {
		observe, closePcap, err := openEvidencePcap(hf.evidencePcap)
		if err != nil {
			return err
		}
		defer closePcap()
		cfg.Observers = append(cfg.Observers, observe)
	}
	run := newRun("harness", lang)
	for _, t := range listen {
		if t.Transport == "tls" && hf.caCert != "" {
			fmt.Fprintf(a.stderr, "[harness] TLS checks: the device should trust the harness CA in %s\n", hf.caCert)
			break
		}
	}
	rep, err := harness.Run(ctx, cfg)
	if err != nil {
		if errors.Is(err, harness.ErrConfig) {
			return usageError{err}
		}
		return err
	}
	run.Targets = []string{rep.DUT}
	run.Results = rep.Results
	var refs []check.Check
	for _, c := range harness.Checks() {
		for _, id := range ids {
			if id == c.ID {
				refs = append(refs, harnessRef{check.Info{ID: c.ID, Item: c.Item, TitleEN: c.TitleEN, TitleJA: c.TitleJA, Modes: []check.Mode{check.ModeHarness}}})
			}
		}
	}
	run.Results = append(run.Results, scan.Coverage(run.Results, run.Targets, check.ModeHarness, refs)...)
	run.Finished = time.Now().UTC()
	if err := a.writeOutputs(run, of, lang, baseline, false); err != nil {
		return err
	}
	if run.FailsAt(failOn) {
		return errFindings
	}
	return nil
}

// loadOrCreateCA loads the harness CA, creating and saving it when the
// files do not exist yet; without paths it returns nil (a CA per run).
func loadOrCreateCA(certPath, keyPath string) (*harness.CA, error) {
	if certPath == "" && keyPath == "" {
		return nil, nil
	}
	if certPath == "" || keyPath == "" {
		return nil, usagef("--ca-cert and --ca-key go together")
	}
	cb, err1 := os.ReadFile(certPath)
	kb, err2 := os.ReadFile(keyPath)
	if errors.Is(err1, fs.ErrNotExist) && errors.Is(err2, fs.ErrNotExist) {
		ca, err := harness.NewCA(nil, time.Now(), "sipvet harness CA")
		if err != nil {
			return nil, err
		}
		key, err := ca.KeyPEM()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyPath, key, 0o600); err != nil {
			return nil, fmt.Errorf("write CA key: %w", err)
		}
		if err := os.WriteFile(certPath, ca.CertPEM(), 0o644); err != nil {
			return nil, fmt.Errorf("write CA certificate: %w", err)
		}
		return ca, nil
	}
	if err1 != nil || err2 != nil {
		return nil, usagef("read harness CA: %v", errors.Join(err1, err2))
	}
	ca, err := harness.LoadCA(cb, kb)
	if err != nil {
		return nil, usageError{err}
	}
	return ca, nil
}
