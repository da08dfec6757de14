package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sipvet/sipvet/internal/finding"
)

// JUnit XML in the de-facto schema read by CI systems (Jenkins, GitLab,
// GitHub actions): <testsuites> of one <testsuite> per target, one
// <testcase> per result.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// junitSkip is a <skipped> element, which has no body.
type junitSkip struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkip    `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

func renderJUnit(w io.Writer, v *view) error {
	all := junitSuites{Name: orDefault(v.Tool.Name, "sipvet") + " " + v.Mode}
	byTarget := map[string][]*resultView{}
	for _, rv := range v.Results {
		t := v.run.Results[rv.Index].Target
		byTarget[t] = append(byTarget[t], rv)
	}
	var total float64
	for _, target := range v.Targets {
		s := junitSuite{Name: clean(target, 500), Timestamp: v.Started}
		var secs float64
		rs := byTarget[target]
		// Results in item, check order (stable for equal keys).
		sorted := append([]*resultView(nil), rs...)
		sortResults(sorted)
		for _, rv := range sorted {
			c := junitCase{
				Classname: fmt.Sprintf("ipa%02d", rv.Item),
				Name:      rv.Check,
				Time:      "0",
			}
			if rv.Seconds >= 0 {
				c.Time = strconv.FormatFloat(rv.Seconds, 'f', 3, 64)
				secs += rv.Seconds
			}
			switch rv.Verdict {
			case finding.Vulnerable:
				s.Failures++
				c.Failure = &junitProblem{Message: rv.Summary, Type: string(rv.Severity), Text: junitText(v, rv)}
			case finding.Inconclusive:
				s.Errors++
				c.Error = &junitProblem{Message: orDefault(rv.Reason, rv.Summary), Type: string(rv.Verdict), Text: junitText(v, rv)}
			case finding.Skipped, finding.NotApplicable:
				s.Skipped++
				c.Skipped = &junitSkip{Message: orDefault(rv.Reason, rv.VerdictLabel), Type: string(rv.Verdict)}
			case finding.NotVulnerable:
			default: // an unknown verdict cannot pass
				s.Errors++
				c.Error = &junitProblem{Message: "unknown verdict " + strconv.Quote(string(rv.Verdict)), Type: "unknown"}
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		s.Time = strconv.FormatFloat(secs, 'f', 3, 64)
		if v.Baseline != nil {
			for _, ch := range finding.Changes() {
				s.Properties = append(s.Properties, junitProperty{
					Name:  "sipvet.baseline." + string(ch),
					Value: strconv.Itoa(v.Baseline.byTarget[target][ch]),
				})
			}
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		all.Skipped += s.Skipped
		total += secs
		all.Suites = append(all.Suites, s)
	}
	all.Time = strconv.FormatFloat(total, 'f', 3, 64)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("report: encode junit: %w", err)
	}
	buf.WriteByte('\n')
	return write(w, buf.Bytes())
}

// junitText is the body of a failure or error: the observation, CVSS, and
// the evidence records.
func junitText(v *view, rv *resultView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s — %s\n", rv.ItemID, rv.Title, rv.Check)
	if rv.Summary != "" {
		fmt.Fprintf(&b, "%s: %s\n", v.t("summary"), rv.Summary)
	}
	if rv.Reason != "" {
		fmt.Fprintf(&b, "%s: %s\n", v.t("reason"), rv.Reason)
	}
	fmt.Fprintf(&b, "%s: %s\n", v.t("severity"), rv.SeverityLabel)
	if c := rv.CVSS2; c != nil {
		fmt.Fprintf(&b, "%s: %s (%s)\n", v.t("cvss2"), c.Vector, c.Score)
	}
	if c := rv.CVSS3; c != nil {
		fmt.Fprintf(&b, "%s: %s (%s)\n", v.t("cvss3"), c.Vector, c.Score)
	}
	if rv.Reproducer != "" {
		fmt.Fprintf(&b, "%s: %s\n", v.t("reproducer"), rv.Reproducer)
	}
	for _, e := range rv.Evidence {
		fmt.Fprintf(&b, "\n--- #%d %s %s %s %s -> %s", e.N, e.Offset, e.Dir, e.Transport, e.Src, e.Dst)
		if e.Note != "" {
			fmt.Fprintf(&b, " (%s)", e.Note)
		}
		b.WriteString("\n")
		b.WriteString(e.Data)
		if !strings.HasSuffix(e.Data, "\n") {
			b.WriteString("\n")
		}
		if e.Truncated > 0 {
			fmt.Fprintf(&b, "… %d %s\n", e.Truncated, v.t("truncated"))
		}
	}
	if rv.MoreEvidence > 0 {
		fmt.Fprintf(&b, "\n… %d %s\n", rv.MoreEvidence, v.t("more_records"))
	}
	return b.String()
}
