package fuzz

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sipvet/sipvet/internal/finding"
	"github.com/sipvet/sipvet/internal/kb"
)

// Check ids of the fuzz mode.
const (
	// CheckCampaign is the campaign result of item 12.
	CheckCampaign = "ipa12.fuzz"
	// CheckCodec is the item-11 result of the codec payload cases.
	CheckCodec = "ipa11.codec-payloads"
)

// CheckRefs lists the fuzz mode's checks for catalogues.
func CheckRefs() []finding.CheckRef {
	refs := []finding.CheckRef{
		{Item: 11, ID: CheckCodec, TitleEN: "Codec payload robustness (RTP payload fuzzing in a call)", TitleJA: "コーデックペイロードの堅牢性（通話中の RTP ペイロードファジング）", Mode: "fuzz"},
		{Item: 12, ID: CheckCampaign, TitleEN: "Fuzz campaign with liveness monitoring", TitleJA: "死活監視付きファジング", Mode: "fuzz"},
	}
	titles := map[string][2]string{
		"torture":     {"RFC 4475/5118 torture messages", "RFC 4475/5118 トーチャーメッセージ"},
		"protos":      {"PROTOS-style INVITE/SDP element anomalies", "PROTOS 形式の INVITE/SDP 要素異常"},
		"mutation":    {"Grammar-aware mutation of valid messages", "文法を考慮した正常メッセージの変異"},
		"application": {"Application payloads (SQL/HTML/shell) and echo", "アプリケーションペイロード（SQL/HTML/シェル）と反射"},
		"stateful":    {"Malformed in-dialog requests", "ダイアログ内の不正リクエスト"},
		"media":       {"RTP/RTCP/SDP anomalies in a call", "通話中の RTP/RTCP/SDP 異常"},
	}
	for _, s := range SourceNames() {
		refs = append(refs, finding.CheckRef{Item: 12, ID: "ipa12." + s, TitleEN: titles[s][0], TitleJA: titles[s][1], Mode: "fuzz"})
	}
	return refs
}

func baseResult(item int, check, tgt string) finding.Result {
	r := finding.Result{Item: item, Check: check, Target: tgt, Evidence: []finding.Evidence{}, Data: map[string]any{}}
	if it, ok := kb.Get(item); ok {
		if it.CVSS2 != nil {
			p := it.CVSS2.Published
			r.CVSS2 = &finding.CVSS{Vector: it.CVSS2.Vector, Score: it.CVSS2.Score, Published: &p}
		}
		if it.CVSS3.Vector != "" {
			r.CVSS3 = &finding.CVSS{Vector: it.CVSS3.Vector, Score: it.CVSS3.Score}
		}
	}
	return r
}

func (rep *Report) severity(r finding.Result, class string) finding.Severity {
	switch class {
	case ClassEcho:
		return finding.Low
	case ClassSlow:
		return finding.Medium
	}
	if r.CVSS3 != nil {
		return finding.SeverityForScore(r.CVSS3.Score)
	}
	return finding.Medium
}

// Results turns the report into results of the sipvet.results/v1
// contract: the campaign result (ipa12.fuzz), one result per distinct
// failure (ipa12.<source>, data.reproducer) and the item-11 codec result.
func (rep *Report) Results() []finding.Result {
	var out []finding.Result
	camp := baseResult(12, CheckCampaign, rep.Target)
	camp.Started, camp.Finished = &rep.Started, &rep.Finished
	var parts []string
	srcs := make([]string, 0, len(rep.PerSource))
	for s := range rep.PerSource {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		parts = append(parts, fmt.Sprintf("%s %d", s, rep.PerSource[s]))
	}
	crashes := 0
	for _, f := range rep.Failures {
		if f.Class != ClassEcho {
			crashes++
		}
	}
	camp.Data = map[string]any{
		"cases": rep.Sent, "per_source": rep.PerSource, "seed": rep.Seed, "sources": rep.Sources, "campaign_size": rep.Total,
		"next": rep.Next, "too_large": rep.TooLarge, "no_call": rep.NoCall, "dialogs": rep.Dialogs, "dialogs_failed": rep.DialogsFailed,
		"baseline_ms": float64(rep.Baseline.Microseconds()) / 1000, "probe_method": rep.ProbeMethod, "probes": rep.Probes,
		"restarts": rep.Restarts, "failures": len(rep.Failures), "cases_per_second": rep.CasesPerSec, "timeline": rep.Timeline,
	}
	if rep.Stopped != "" {
		camp.Data["stopped"] = rep.Stopped
	}
	switch {
	case crashes > 0:
		camp.Verdict = finding.Vulnerable
		camp.Severity = rep.severity(camp, "")
		camp.Summary = fmt.Sprintf("%d distinct failure(s) in %d cases (%s): the target stops answering, hangs, slows, restarts or crashes on malformed input", crashes, rep.Sent, strings.Join(parts, ", "))
	case rep.Sent == 0:
		camp.Verdict = finding.Inconclusive
		camp.Severity = finding.Info
		camp.Reason = "no case was sent"
		camp.Summary = "could not decide: no case was sent"
	default:
		camp.Verdict = finding.NotVulnerable
		camp.Severity = finding.Info
		camp.Summary = fmt.Sprintf("the target stayed alive through %d cases (%s); baseline liveness latency %v, %d probes", rep.Sent, strings.Join(parts, ", "), rep.Baseline.Round(1000), rep.Probes)
	}
	if rep.Stopped != "" {
		camp.Summary += "; stopped early: " + rep.Stopped
	}
	out = append(out, camp)
	codecFail := false
	for _, f := range rep.Failures {
		src, _, _ := strings.Cut(f.Case.ID, ":")
		r := baseResult(12, CheckFor(src), rep.Target)
		r.Verdict = finding.Vulnerable
		r.Severity = rep.severity(r, f.Class)
		r.Summary = fmt.Sprintf("%s: %s after case %s (%s: %s)", f.Class, f.Detail, f.Case.ID, f.Case.Group, f.Case.Detail)
		r.Data = map[string]any{"class": f.Class, "detail": f.Detail, "case": f.Case, "window": f.Window, "occurrences": f.Occurrences, "reproducer": f.Reproducer}
		if f.Header != "" {
			r.Data["header"] = f.Header
		}
		out = append(out, r)
		if src == "media" && strings.Contains(f.Case.Group, "codec") {
			codecFail = true
		}
	}
	codec := baseResult(11, CheckCodec, rep.Target)
	codec.Severity = finding.Info
	codec.Data = map[string]any{"codec_cases": rep.CodecCases}
	switch {
	case codecFail:
		codec.Verdict = finding.Vulnerable
		codec.Summary = "a codec payload case (G.711/G.722/G.729/Opus/RFC 4733) made the target fail; see the ipa12.media result. The survey lists no codec-format vulnerability: this is informational"
	case rep.CodecCases > 0:
		codec.Verdict = finding.NotVulnerable
		codec.Summary = fmt.Sprintf("%d codec payload cases (G.711, G.722, G.729, Opus, RFC 4733 events) were sent in a call and the target stayed alive", rep.CodecCases)
	case !contains(rep.Sources, "media"):
		codec.Verdict = finding.Skipped
		codec.Reason = "the media source was not selected (--sources media)"
		codec.Summary = "skipped: " + codec.Reason
	default:
		codec.Verdict = finding.Inconclusive
		codec.Reason = "no call could be established, so no codec payload reached the target's media port"
		codec.Summary = "could not decide: " + codec.Reason
	}
	out = append(out, codec)
	return out
}

// CheckFor returns the check id of a case source: "ipa12.<source>", with
// the "uac" responses reported as ipa12.stateful.
func CheckFor(source string) string {
	if source == UACSourceName {
		return "ipa12.stateful"
	}
	return "ipa12." + source
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
