package main

import (
	"github.com/spf13/cobra"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/report"
)

func (a *app) reportCmd() *cobra.Command {
	var of outputFlags
	cmd := &cobra.Command{
		Use:   "report RESULTS.json",
		Short: "Re-render stored results as html, md, json, sarif, junit or a text summary",
		Long: `Read a results file (sipvet.results/v1, written by any mode with --format json)
and render it again: an HTML report (self-contained, coverage matrix, ladder
diagrams), Markdown, SARIF 2.1.0 for code scanning, JUnit XML for CI, JSON, or
a text summary. With --baseline OLD.json it shows which findings are new,
fixed or unchanged. The exit status follows --fail-on as for scan.`,
		Example: `  sipvet report results.json --format html -o report.html --lang ja
  sipvet report firmware-b.json --baseline firmware-a.json
  sipvet report results.json --format junit -o junit.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lang, err := a.langFlag(of.lang)
			if err != nil {
				return err
			}
			run, err := loadRun(args[0])
			if err != nil {
				return err
			}
			if of.format != "text" && !contains(report.Formats(), of.format) {
				return usagef("unknown --format %q (want text, html, md, json, sarif or junit)", of.format)
			}
			var baseline *finding.Run
			if of.baseline != "" {
				if baseline, err = loadRun(of.baseline); err != nil {
					return err
				}
			}
			failOn, err := finding.ParseSeverity(of.failOn)
			if err != nil {
				return usageError{err}
			}
			if err := a.writeOutputs(run, &of, lang, baseline, false); err != nil {
				return err
			}
			if run.FailsAt(failOn) {
				return errFindings
			}
			return nil
		},
	}
	of.register(cmd, "text")
	return cmd
}
