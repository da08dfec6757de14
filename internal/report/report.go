// Package report renders a sipvet results run (finding.Run, the
// sipvet.results/v1 contract of SPEC §4) as JSON, a self-contained HTML page,
// Markdown, SARIF 2.1.0 or JUnit XML, in Japanese or English (SPEC §7).
//
// Every format starts from the same view of the run: the coverage matrix of
// the 22 knowledge-base items × targets, the vulnerable results by severity,
// an optional comparison with a baseline run (finding.Diff), one card per
// vulnerable or inconclusive result with the item's CVSS and guidance, and the
// evidence. Output is deterministic: maps are sorted and times come from the
// run, except the "generated" line, which uses Options.Now.
//
// Evidence is hostile input (it holds what a target or a fuzzer sent): the
// HTML is produced with html/template, carries a Content-Security-Policy that
// forbids scripts and network loads, and control characters in evidence are
// shown as \xNN escapes in every format.
//
// The package performs no network I/O.
package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
)

// ErrFormat is wrapped by Render when the format is not one of Formats.
var ErrFormat = errors.New("report: unknown format")

// Options controls rendering.
type Options struct {
	// Lang is the report language, "ja" or "en". Empty means the run's Lang,
	// or English when the run has none; any other value means English.
	Lang string
	// Reveal shows secrets found in result data as they are stored. When
	// false, values under secret keys (password, dtmf, keys …) are masked
	// with finding.Mask again, which leaves already masked values unchanged.
	// The json format is the contract as-is and ignores Reveal.
	Reveal bool
	// Baseline is an optional earlier run; when set, the html and md reports
	// gain a section of new, fixed and unchanged findings, the sarif results
	// get a baselineState and the junit report a property per change. The
	// json format adds nothing.
	Baseline *finding.Run
	// Now returns the time printed on the "generated" line; nil means
	// time.Now.
	Now func() time.Time
}

// Formats lists the formats Render accepts.
func Formats() []string { return []string{"json", "html", "md", "sarif", "junit"} }

// Render writes run to w in format. An unknown format gives an error wrapping
// ErrFormat. run is not modified except that the json format normalises it
// (finding.Run.Marshal).
func Render(w io.Writer, format string, run *finding.Run, opts Options) error {
	if !slices.Contains(Formats(), format) {
		return fmt.Errorf("%w %q (want one of %v)", ErrFormat, format, Formats())
	}
	if run == nil {
		return errors.New("report: nil run")
	}
	if format == "json" {
		if err := run.WriteJSON(w); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return nil
	}
	v := buildView(run, opts)
	switch format {
	case "html":
		return renderHTML(w, v)
	case "md":
		return renderMarkdown(w, v)
	case "sarif":
		return renderSARIF(w, v)
	default:
		return renderJUnit(w, v)
	}
}

func write(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	return nil
}
