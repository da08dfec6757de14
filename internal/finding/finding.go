// Package finding is the result model shared by every sipvet mode: verdicts,
// severities, evidence and the sipvet.results/v1 JSON contract (SPEC §4).
//
// It performs no I/O beyond encoding; producers (check, harness, capture,
// fuzz, crack) create Results and report renders them.
package finding

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// Schema is the value of the "schema" field of a results file.
const Schema = "sipvet.results/v1"

// Verdict is the outcome of one check against one target.
type Verdict string

// The verdicts of SPEC §4.
const (
	Vulnerable    Verdict = "vulnerable"
	NotVulnerable Verdict = "not-vulnerable"
	Inconclusive  Verdict = "inconclusive"
	NotApplicable Verdict = "not-applicable"
	Skipped       Verdict = "skipped"
)

// Verdicts lists every verdict in report order.
func Verdicts() []Verdict {
	return []Verdict{Vulnerable, Inconclusive, NotVulnerable, NotApplicable, Skipped}
}

// Valid reports whether v is one of the defined verdicts.
func (v Verdict) Valid() bool {
	switch v {
	case Vulnerable, NotVulnerable, Inconclusive, NotApplicable, Skipped:
		return true
	}
	return false
}

// Severity ranks how bad a result is.
type Severity string

// The severities of SPEC §4, lowest first.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Severities lists every severity from lowest to highest.
func Severities() []Severity { return []Severity{Info, Low, Medium, High, Critical} }

// Rank orders severities: info=0 … critical=4; an unknown severity ranks -1.
func (s Severity) Rank() int {
	for i, v := range Severities() {
		if v == s {
			return i
		}
	}
	return -1
}

// ParseSeverity parses a severity name (case-insensitive). "none" is accepted
// and returned as the empty Severity, which ranks above every real severity
// so that "--fail-on none" never fails.
func ParseSeverity(s string) (Severity, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "none" || l == "never" {
		return "", nil
	}
	if Severity(l).Rank() < 0 {
		return "", fmt.Errorf("finding: unknown severity %q (want info, low, medium, high, critical or none)", s)
	}
	return Severity(l), nil
}

// SeverityForScore maps a CVSS score (0–10) to a severity using the CVSS v3.1
// qualitative rating scale (0 → info).
func SeverityForScore(score float64) Severity {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return Info
}

// Direction of an evidence record, seen from sipvet.
const (
	DirSent = "sent"
	DirRecv = "recv"
)

// Evidence is one message sent or received by a check, raw and timestamped.
type Evidence struct {
	Time      time.Time `json:"time"`
	Dir       string    `json:"dir"`
	Transport string    `json:"transport"`
	Src       string    `json:"src"`
	Dst       string    `json:"dst"`
	Data      string    `json:"data"`
	// Encoding is "base64" when Data holds bytes that are not valid UTF-8,
	// base64-encoded; empty for text.
	Encoding string `json:"encoding,omitempty"`
	// Note is an optional human remark ("liveness probe", "source B").
	Note string `json:"note,omitempty"`
}

// CVSS is a vector with its computed score; Published is the score printed in
// the survey (CVSS v2 only) when known.
type CVSS struct {
	Vector    string   `json:"vector"`
	Score     float64  `json:"score"`
	Published *float64 `json:"published,omitempty"`
}

// Result is one check's verdict for one target.
type Result struct {
	Item     int            `json:"item"`
	Check    string         `json:"check"`
	Target   string         `json:"target"`
	Verdict  Verdict        `json:"verdict"`
	Severity Severity       `json:"severity"`
	Summary  string         `json:"summary"`
	Reason   string         `json:"reason"`
	CVSS2    *CVSS          `json:"cvss2"`
	CVSS3    *CVSS          `json:"cvss3"`
	Evidence []Evidence     `json:"evidence"`
	Data     map[string]any `json:"data"`
	// Started and Finished time the check; optional.
	Started  *time.Time `json:"started,omitempty"`
	Finished *time.Time `json:"finished,omitempty"`
}

// Key identifies a result across runs (check × target).
func (r Result) Key() string { return r.Check + "\x00" + r.Target }

// Tool names the producer of a results file.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Run is a whole results file (sipvet.results/v1).
type Run struct {
	Schema   string    `json:"schema"`
	Tool     Tool      `json:"tool"`
	Mode     string    `json:"mode"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Targets  []string  `json:"targets"`
	Results  []Result  `json:"results"`
	// Lang is the report language the run was made with ("ja" or "en"); optional.
	Lang string `json:"lang,omitempty"`
}

// Normalize fills nil slices and maps so that the JSON contract always has
// arrays and objects, never null, where SPEC §4 shows them.
func (r *Run) Normalize() {
	if r.Schema == "" {
		r.Schema = Schema
	}
	if r.Targets == nil {
		r.Targets = []string{}
	}
	if r.Results == nil {
		r.Results = []Result{}
	}
	for i := range r.Results {
		if r.Results[i].Evidence == nil {
			r.Results[i].Evidence = []Evidence{}
		}
		if r.Results[i].Data == nil {
			r.Results[i].Data = map[string]any{}
		}
	}
}

// Marshal encodes the run as indented JSON: the bytes an encoder with
// SetIndent("", "  ") and SetEscapeHTML(false) writes. The results are
// encoded and indented concurrently (a pcap run's data reaches megabytes)
// and put together in order.
func (r *Run) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteJSON writes what Marshal returns to w, each result as soon as it
// and those before it are encoded (they are encoded concurrently), so
// that writing overlaps encoding and the whole document is never held.
func (r *Run) WriteJSON(w io.Writer) error {
	r.Normalize()
	// The run around the results, with a null where they go (the only
	// "results": key outside a string at the top level).
	outer := *r
	outer.Results = nil
	compact, err := CompactJSON(&outer)
	if err != nil {
		return fmt.Errorf("finding: encode results: %w", err)
	}
	skeleton := appendIndent(nil, compact, "  ")
	hole := bytes.Index(skeleton, []byte(resultsHole))
	if hole < 0 {
		return errors.New("finding: encode results: no place for the results")
	}
	parts := make([][]byte, len(r.Results))
	errs := make([]error, len(r.Results))
	ready := make([]chan struct{}, len(r.Results))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), len(r.Results)) {
		go func() {
			for i := int(next.Add(1) - 1); i < len(r.Results); i = int(next.Add(1) - 1) {
				// a result sits at depth 2: {"results": [ here ]}
				parts[i], errs[i] = encodeIndented(&r.Results[i], 2)
				close(ready[i])
			}
		}()
	}
	// Every part is waited for, even after an error, so that no encoding
	// outlives the call.
	var werr error
	write := func(b []byte) {
		if werr == nil {
			if _, err := w.Write(b); err != nil {
				werr = fmt.Errorf("finding: write results: %w", err)
			}
		}
	}
	write(skeleton[:hole])
	write([]byte(`"results": [`))
	for k := range parts {
		<-ready[k]
		if errs[k] != nil {
			werr = cmp.Or(werr, fmt.Errorf("finding: encode results: %w", errs[k]))
		}
		if k > 0 {
			write([]byte(",\n    "))
		} else {
			write([]byte("\n    "))
		}
		write(parts[k])
		parts[k] = nil
	}
	if len(parts) > 0 {
		write([]byte("\n  "))
	}
	write([]byte("]"))
	write(skeleton[hole+len(resultsHole):])
	write([]byte("\n"))
	return werr
}

const resultsHole = `"results": null`

// CompactJSON encodes v as compact JSON without HTML escaping (SIP
// messages are full of <…>: kept readable): the bytes results are
// written with, before indentation.
func CompactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Unmarshal decodes a results file and checks its schema.
func Unmarshal(b []byte) (*Run, error) {
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("finding: decode results: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("finding: unsupported schema %q (want %q)", r.Schema, Schema)
	}
	r.Normalize()
	return &r, nil
}

// Count returns how many results have verdict v.
func (r *Run) Count(v Verdict) int {
	n := 0
	for _, res := range r.Results {
		if res.Verdict == v {
			n++
		}
	}
	return n
}

// WorstVulnerable returns the highest severity among vulnerable results and
// whether there is any.
func (r *Run) WorstVulnerable() (Severity, bool) {
	worst, found := Severity(""), false
	for _, res := range r.Results {
		if res.Verdict != Vulnerable {
			continue
		}
		if !found || res.Severity.Rank() > worst.Rank() {
			worst, found = res.Severity, true
		}
	}
	return worst, found
}

// FailsAt reports whether the run has a vulnerable result at or above the
// severity threshold. An empty threshold (none) never fails.
func (r *Run) FailsAt(threshold Severity) bool {
	if threshold == "" {
		return false
	}
	for _, res := range r.Results {
		if res.Verdict == Vulnerable && res.Severity.Rank() >= threshold.Rank() {
			return true
		}
	}
	return false
}

// CheckRef names a check of any mode for catalogues (sipvet items, SARIF
// rules): every producing package (check, harness, capture, fuzz, crack)
// lists its checks with it.
type CheckRef struct {
	Item    int
	ID      string
	TitleEN string
	TitleJA string
	Mode    string
}
