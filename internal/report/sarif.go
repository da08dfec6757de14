package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
)

// SARIF 2.1.0 (OASIS). The log is written with hand-written structs rather
// than github.com/owenrumney/go-sarif/v3: that library's v210 package
// imports github.com/xeipuuv/gojsonschema (for validation), which is not in
// this module's go.sum, and the handful of fields sipvet fills fits in a page.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Language    string            `json:"language,omitempty"`
	Results     []sarifResult     `json:"results"`
	Properties  *sarifRunProps    `json:"properties,omitempty"`
}

type sarifRunProps struct {
	Mode    string   `json:"mode,omitempty"`
	Targets []string `json:"targets"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name    string      `json:"name"`
	Version string      `json:"version,omitempty"`
	Rules   []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     *sarifText      `json:"shortDescription,omitempty"`
	FullDescription      *sarifText      `json:"fullDescription,omitempty"`
	Help                 *sarifText      `json:"help,omitempty"`
	DefaultConfiguration *sarifRuleLevel `json:"defaultConfiguration,omitempty"`
	Properties           sarifRuleProps  `json:"properties"`
}

type sarifRuleLevel struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Item             string   `json:"item"`
	Tags             []string `json:"tags"`
	CVSS2Vector      string   `json:"cvss2-vector,omitempty"`
	CVSS2Score       string   `json:"cvss2-score,omitempty"`
	CVSS2Published   string   `json:"cvss2-published,omitempty"`
	CVSS3Vector      string   `json:"cvss3-vector,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	StartTimeUTC        string `json:"startTimeUtc,omitempty"`
	EndTimeUTC          string `json:"endTimeUtc,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	BaselineState       string            `json:"baselineState,omitempty"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Item      string `json:"item"`
	Verdict   string `json:"verdict"`
	Severity  string `json:"severity"`
	Reason    string `json:"reason,omitempty"`
	CVSS3     string `json:"cvss3-vector,omitempty"`
	Score     string `json:"cvss3-score,omitempty"`
	Evidence  int    `json:"evidence-records"`
	Reproduce string `json:"reproducer,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

// sarifLevel maps a result to a SARIF level: vulnerable high/critical is an
// error, medium/low a warning, info a note; inconclusive is a note.
func sarifLevel(r *resultView) string {
	if r.Verdict != finding.Vulnerable {
		return "note"
	}
	switch r.Severity {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium, finding.Low:
		return "warning"
	}
	return "note"
}

func renderSARIF(w io.Writer, v *view) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: orDefault(v.Tool.Name, "sipvet"), Version: v.Tool.Version}},
		Invocations: []sarifInvocation{{
			ExecutionSuccessful: true,
			StartTimeUTC:        utc(v.run.Started),
			EndTimeUTC:          utc(v.run.Finished),
		}},
		Language:   map[string]string{"ja": "ja-JP", "en": "en-US"}[v.Lang],
		Results:    []sarifResult{},
		Properties: &sarifRunProps{Mode: v.Mode, Targets: v.Targets},
	}
	index := map[string]int{}
	for _, c := range v.Checks {
		index[c.ID] = c.Index
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(v, c))
	}
	if run.Tool.Driver.Rules == nil {
		run.Tool.Driver.Rules = []sarifRule{}
	}
	for _, rv := range v.Cards {
		msg := rv.Summary
		if rv.Reason != "" {
			msg = strings.TrimSpace(msg + " — " + rv.Reason)
		}
		if msg == "" {
			msg = rv.Check
		}
		res := sarifResult{
			RuleID:    rv.Check,
			RuleIndex: index[rv.Check],
			Level:     sarifLevel(rv),
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: rv.Target}}}},
			PartialFingerprints: map[string]string{
				"sipvetCheckTarget/v1": fingerprint(v.run.Results[rv.Index].Key()),
			},
			BaselineState: rv.Change,
			Properties: sarifResultProps{
				Item:      rv.ItemID,
				Verdict:   string(rv.Verdict),
				Severity:  string(rv.Severity),
				Reason:    rv.Reason,
				Evidence:  len(v.run.Results[rv.Index].Evidence),
				Reproduce: rv.Reproducer,
			},
		}
		if rv.CVSS3 != nil {
			res.Properties.CVSS3, res.Properties.Score = rv.CVSS3.Vector, rv.CVSS3.Score
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("report: encode sarif: %w", err)
	}
	return write(w, buf.Bytes())
}

// sarifRuleFor describes one check: the kb item's title, summary and
// guidance, and its CVSS assessments.
func sarifRuleFor(v *view, c checkView) sarifRule {
	it, ok := kb.Get(c.Item)
	title := it.Title(v.Lang)
	if title == "" {
		title = c.ID
	}
	r := sarifRule{
		ID:                   c.ID,
		Name:                 title,
		ShortDescription:     &sarifText{Text: kb.IDOf(c.Item) + " " + title},
		DefaultConfiguration: &sarifRuleLevel{Level: "warning"},
		Properties: sarifRuleProps{
			Item: kb.IDOf(c.Item),
			Tags: []string{"security", "sip", kb.IDOf(c.Item)},
		},
	}
	if s := it.Summary.In(v.Lang); s != "" {
		r.FullDescription = &sarifText{Text: s}
	}
	var text, md []string
	for _, g := range []struct{ key, body string }{
		{"ops_guide", it.OpsGuide.In(v.Lang)},
		{"impl_guide", it.ImplGuide.In(v.Lang)},
	} {
		if g.body != "" {
			text = append(text, v.t(g.key)+":\n"+g.body)
			md = append(md, "#### "+v.t(g.key)+"\n\n"+mdEscape(g.body))
		}
	}
	if len(it.References) > 0 {
		text = append(text, v.t("references")+":\n"+strings.Join(it.References, "\n"))
		md = append(md, "#### "+v.t("references")+"\n\n- "+strings.Join(mdEscapeAll(it.References), "\n- "))
	}
	if len(text) > 0 {
		r.Help = &sarifText{Text: strings.Join(text, "\n\n"), Markdown: strings.Join(md, "\n\n")}
	}
	var cvss3 *cvss3View
	if ok && it.CVSS2 != nil {
		r.Properties.CVSS2Vector = it.CVSS2.Vector
		r.Properties.CVSS2Score = fmtScore(it.CVSS2.Score)
		r.Properties.CVSS2Published = fmtScore(it.CVSS2.Published)
	}
	if ok && it.CVSS3.Vector != "" {
		cvss3 = &cvss3View{Vector: it.CVSS3.Vector, Score: fmtScore(it.CVSS3.Score), Value: it.CVSS3.Score}
	} else {
		for _, rv := range v.Results {
			if rv.Check == c.ID && rv.CVSS3 != nil {
				cvss3 = rv.CVSS3
				break
			}
		}
	}
	if cvss3 != nil {
		r.Properties.CVSS3Vector = cvss3.Vector
		r.Properties.SecuritySeverity = cvss3.Score
		r.DefaultConfiguration.Level = map[bool]string{true: "error", false: "warning"}[cvss3.Value >= 7]
	}
	return r
}

func mdEscapeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = mdEscape(s)
	}
	return out
}

func fingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
