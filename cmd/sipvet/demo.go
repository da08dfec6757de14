package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/check"
	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/lab"
	"github.com/sipvet/sipvet/internal/report"
	"github.com/sipvet/sipvet/internal/target"
	"github.com/sipvet/sipvet/internal/transport"
)

func (a *app) demoCmd() *cobra.Command {
	var profile, outDir, lang string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the embedded lab target and audit it end to end (the first thing to try)",
		Long: `Start sipvet's embedded lab target on free loopback ports inside this process,
audit it with every check sipvet has (the lab is sipvet's own, so disruptive
checks are allowed and the lab's test account is used), write
DIR/sipvet-report.html and DIR/sipvet-report.json, and print a summary.

--profile vulnerable (default) switches every lab flaw on; --profile hardened
switches them off, and the audit should then find nothing vulnerable.`,
		Example: `  sipvet demo
  sipvet demo --profile hardened --out /tmp/demo
  sipvet demo --lang ja`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !contains(lab.Profiles(), profile) {
				return usagef("unknown --profile %q (want vulnerable or hardened)", profile)
			}
			l, err := a.langFlag(lang)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return usagef("create %s: %v", outDir, err)
			}
			ctx := cmd.Context()
			lb, err := lab.Start(ctx, lab.Options{Profile: profile})
			if err != nil {
				return fmt.Errorf("start lab: %w", err)
			}
			defer lb.Close()
			var targets []target.Target
			for _, s := range lb.Targets() {
				t, err := target.Parse(s)
				if err != nil {
					return fmt.Errorf("lab target: %w", err)
				}
				targets = append(targets, t)
			}
			fmt.Fprintf(a.stdout, "lab (%s profile) on %v\n\n", profile, lb.Targets())
			jsonPath := filepath.Join(outDir, "sipvet-report.json")
			htmlPath := filepath.Join(outDir, "sipvet-report.html")
			sf := scanFlags{profile: "full", user: "alice", password: "wonderland", rate: 500,
				timeout: 2 * time.Second, checkTimeout: 60 * time.Second, concurrency: 4}
			// The lab is the only thing in scope: the checks of services
			// beside SIP (items 17–20) probe the lab's own ports, never the
			// default ports of this machine (a real web server or SNMP agent
			// of the user's is not part of the demo).
			var ports []string
			for _, t := range targets {
				ports = append(ports, strconv.Itoa(t.Port))
			}
			sf.infra = infraFlags{ports: strings.Join(ports, ","), portsOnly: true}
			of := outputFlags{format: "json", out: jsonPath, lang: l, failOn: "none"}
			tm := transport.DefaultTimers()
			tm.T1 = 100 * time.Millisecond
			tm.Timeout = 2 * time.Second
			if err := a.runScan(ctx, targets, &sf, &of, &scanExtras{timers: &tm, quiet: true}); err != nil {
				return err
			}
			run, err := loadRun(jsonPath)
			if err != nil {
				return err
			}
			f, err := os.Create(htmlPath)
			if err != nil {
				return fmt.Errorf("write %s: %w", htmlPath, err)
			}
			if err := report.Render(f, "html", run, report.Options{Lang: l, Now: time.Now}); err != nil {
				f.Close()
				return fmt.Errorf("write %s: %w", htmlPath, err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("write %s: %w", htmlPath, err)
			}
			if err := writeSummary(a.stdout, run, l, nil); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "\nchecks run: %d; report: %s and %s\n", len(check.All()), htmlPath, jsonPath)
			if profile == "hardened" && run.Count(finding.Vulnerable) > 0 {
				fmt.Fprintln(a.stdout, "note: the hardened lab should have no vulnerable result")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&profile, "profile", "vulnerable", "lab profile: vulnerable or hardened")
	cmd.Flags().StringVarP(&outDir, "out", "o", ".", "directory for sipvet-report.html and sipvet-report.json")
	cmd.Flags().StringVar(&lang, "lang", "", "report language: ja or en (default from $LANG, else en)")
	return cmd
}
